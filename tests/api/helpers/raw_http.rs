//! HTTP/1.1 written by hand over a plain socket, for what reqwest will not do: send a body
//! in pieces at a chosen pace, hold a connection open, see the server close it.

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

use super::TestApp;

/// A connection to the app, split so that a test can write and read at once.
pub struct RawConnection {
    pub reader: OwnedReadHalf,
    pub writer: OwnedWriteHalf,
}

impl RawConnection {
    pub async fn open(app: &TestApp) -> Self {
        let (reader, writer) = TcpStream::connect(authority(app))
            .await
            .expect("connect")
            .into_split();
        Self { reader, writer }
    }

    /// Writes the head of a POST of the JSON `body`, signed, announced with its
    /// `Content-Length`.
    pub async fn send_signed_head(&mut self, app: &TestApp, path: &str, body: &[u8]) {
        let framing = format!("content-length: {}", body.len());
        self.send_head(app, path, &framing, &app.signed_headers(body))
            .await;
    }

    /// Writes the head of a POST of the JSON `body`, signed, sent with
    /// `Transfer-Encoding: chunked` (see [`chunked`]).
    pub async fn send_signed_chunked_head(&mut self, app: &TestApp, path: &str, body: &[u8]) {
        self.send_head(
            app,
            path,
            "transfer-encoding: chunked",
            &app.signed_headers(body),
        )
        .await;
    }

    async fn send_head(
        &mut self,
        app: &TestApp,
        path: &str,
        framing: &str,
        headers: &[(&str, String)],
    ) {
        let mut head = format!(
            "POST {path} HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\n{framing}\r\n",
            authority(app)
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        self.writer
            .write_all(head.as_bytes())
            .await
            .expect("send the head");
    }

    /// Writes a complete `GET path`.
    pub async fn send_get(&mut self, app: &TestApp, path: &str) {
        let request = format!("GET {path} HTTP/1.1\r\nhost: {}\r\n\r\n", authority(app));
        self.writer
            .write_all(request.as_bytes())
            .await
            .expect("send the request");
    }

    /// The response, read within `within` (a bound on the test, not a speed requirement).
    pub async fn response(&mut self, within: Duration) -> (u16, String) {
        tokio::time::timeout(within, read_response(&mut self.reader))
            .await
            .expect("a response in time")
    }

    /// Sends `body` in `pieces` writes, `every` apart, while reading the response; the
    /// response, read within `within`. Write errors (the server closed) end the sending.
    pub async fn send_in_pieces(
        &mut self,
        body: &[u8],
        pieces: usize,
        every: Duration,
        within: Duration,
    ) -> (u16, String) {
        let Self { reader, writer } = self;
        let piece = body.len().div_ceil(pieces.max(1)).max(1);
        let send = async {
            for chunk in body.chunks(piece) {
                tokio::time::sleep(every).await;
                if writer.write_all(chunk).await.is_err() {
                    break;
                }
            }
            // All sent (or refused): now only the answer matters.
            std::future::pending::<()>().await
        };
        tokio::select! {
            answer = tokio::time::timeout(within, read_response(reader)) => {
                answer.expect("a response in time")
            }
            _ = send => unreachable!("sending never ends by itself"),
        }
    }

    /// Whether the server closed the connection (end of stream, or reset) within `within`.
    pub async fn closed_by_server(&mut self, within: Duration) -> bool {
        let mut buffer = [0u8; 1024];
        let read = tokio::time::timeout(within, async {
            loop {
                match self.reader.read(&mut buffer).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        });
        read.await.is_ok()
    }
}

/// `body` in chunked transfer coding, one byte per chunk, without the final empty chunk.
pub fn chunked(body: &[u8]) -> Vec<u8> {
    body.iter()
        .flat_map(|byte| [b'1', b'\r', b'\n', *byte, b'\r', b'\n'])
        .collect()
}

/// `host:port` of the app.
pub fn authority(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_owned()
}

/// Reads one HTTP/1.1 response with a `Content-Length` body.
pub async fn read_response(reader: &mut OwnedReadHalf) -> (u16, String) {
    let mut received = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        let read = reader.read(&mut buffer).await.unwrap_or(0);
        received.extend_from_slice(&buffer[..read]);
        let text = String::from_utf8_lossy(&received).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .expect("a content-length");
            if body.len() >= length || read == 0 {
                let status = head.split(' ').nth(1).expect("status").parse().unwrap();
                return (status, body.to_owned());
            }
        }
        assert!(read > 0, "connection closed before a response: {text}");
    }
}
