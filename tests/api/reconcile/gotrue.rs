//! A stand-in for Supabase Auth's Admin API on a real socket: `GET /auth/v1/admin/users`
//! (offset pages, newest first, `X-Total-Count` and `Link` as GoTrue sends them) and
//! `GET /auth/v1/admin/users/{id}`, with scripted faults and changes between requests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use uuid::Uuid;

/// A scripted answer instead of the real one.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// `429 Too Many Requests` with `retry-after: <seconds>`.
    TooManyRequests(u64),
    /// `500 Internal Server Error`.
    ServerError,
    /// `401 Unauthorized`, as for a wrong key.
    Unauthorized,
}

type Change = Box<dyn FnOnce(&mut Vec<Value>) + Send>;

/// One request as received.
#[derive(Debug, Clone)]
pub struct Request {
    pub target: String,
    pub headers: HashMap<String, String>,
}

#[derive(Default)]
struct State {
    /// Newest first, as GoTrue orders them.
    users: Vec<Value>,
    requests: Vec<Request>,
    faults: HashMap<usize, Fault>,
    changes: HashMap<usize, Change>,
}

/// The running server; stops with the test's runtime.
#[derive(Clone)]
pub struct GoTrue {
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl GoTrue {
    pub async fn start(users: Vec<Value>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State {
            users,
            ..State::default()
        }));
        let server = Self { url, state };
        let accepting = server.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(accepting.clone().serve(stream));
            }
        });
        server
    }

    /// Answers request number `ordinal` (1-based, counting every request) with `fault`.
    pub fn fault(&self, ordinal: usize, fault: Fault) {
        self.state.lock().unwrap().faults.insert(ordinal, fault);
    }

    /// Changes the user list right after request number `ordinal` was answered.
    pub fn after(&self, ordinal: usize, change: impl FnOnce(&mut Vec<Value>) + Send + 'static) {
        let mut state = self.state.lock().unwrap();
        state.changes.insert(ordinal, Box::new(change));
    }

    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }

    async fn serve(self, mut stream: TcpStream) {
        let mut buffer = Vec::new();
        let mut chunk = [0_u8; 4096];
        while !buffer.windows(4).any(|window| window == b"\r\n\r\n") {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(read) => buffer.extend_from_slice(&chunk[..read]),
            }
        }
        let head = String::from_utf8_lossy(&buffer).into_owned();
        let mut lines = head.split("\r\n");
        let target = lines
            .next()
            .and_then(|line| line.split(' ').nth(1))
            .unwrap_or("/")
            .to_owned();
        let headers = lines
            .take_while(|line| !line.is_empty())
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
            .collect();
        let response = self.answer(Request { target, headers });
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
    }

    fn answer(&self, request: Request) -> String {
        let mut state = self.state.lock().unwrap();
        state.requests.push(request.clone());
        let ordinal = state.requests.len();
        let response = match state.faults.get(&ordinal) {
            Some(Fault::TooManyRequests(seconds)) => response(
                "429 Too Many Requests",
                &[("retry-after", seconds.to_string())],
                &json!({"code": 429, "error_code": "over_request_rate_limit", "msg": "Rate limit exceeded"}),
            ),
            Some(Fault::ServerError) => response(
                "500 Internal Server Error",
                &[],
                &json!({"code": 500, "error_code": "unexpected_failure", "msg": "Unexpected failure"}),
            ),
            Some(Fault::Unauthorized) => response(
                "401 Unauthorized",
                &[],
                &json!({"code": 401, "error_code": "bad_jwt", "msg": "invalid JWT"}),
            ),
            None => route(&state.users, &request.target),
        };
        if let Some(change) = state.changes.remove(&ordinal) {
            change(&mut state.users);
        }
        response
    }
}

fn route(users: &[Value], target: &str) -> String {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let Some(rest) = path.strip_prefix("/auth/v1/admin/users") else {
        return response(
            "404 Not Found",
            &[],
            &json!({"code": 404, "msg": "Not found"}),
        );
    };
    if let Some(id) = rest.strip_prefix('/') {
        return match users.iter().find(|user| user["id"] == id) {
            Some(user) => response("200 OK", &[], user),
            None => response(
                "404 Not Found",
                &[],
                &json!({"code": 404, "error_code": "user_not_found", "msg": "User not found"}),
            ),
        };
    }
    let parameter = |name: &str| -> usize {
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == name)
            .and_then(|(_, value)| value.parse().ok())
            .unwrap_or(if name == "page" { 1 } else { 50 })
    };
    let (page, per_page) = (parameter("page").max(1), parameter("per_page"));
    let total = users.len();
    let slice: Vec<Value> = users
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .cloned()
        .collect();
    // GoTrue's Link header: rel="next" while there is a next page, and rel="last".
    let last = total.div_ceil(per_page).max(1);
    let link_to = |page: usize, rel: &str| {
        format!("</auth/v1/admin/users?page={page}&per_page={per_page}>; rel=\"{rel}\"")
    };
    let mut links = Vec::new();
    if page < last {
        links.push(link_to(page + 1, "next"));
    }
    links.push(link_to(last, "last"));
    response(
        "200 OK",
        &[
            ("x-total-count", total.to_string()),
            ("link", links.join(", ")),
        ],
        &json!({"users": slice, "aud": "authenticated"}),
    )
}

fn response(status: &str, headers: &[(&str, String)], body: &Value) -> String {
    let body = body.to_string();
    let mut text = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text.push_str(&body);
    text
}

/// A user object as GoTrue's Admin API returns it.
pub fn api_user(id: Uuid, email: &str, created_at: &str, updated_at: &str) -> Value {
    json!({
        "id": id,
        "aud": "authenticated",
        "role": "authenticated",
        "email": email,
        "email_confirmed_at": created_at,
        "phone": "",
        "confirmed_at": created_at,
        "last_sign_in_at": updated_at,
        "app_metadata": {"provider": "email", "providers": ["email"]},
        "user_metadata": {"name": email},
        "identities": [],
        "created_at": created_at,
        "updated_at": updated_at,
        "is_anonymous": false
    })
}
