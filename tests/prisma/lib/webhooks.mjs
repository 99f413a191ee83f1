//! Deliveries signed the way Supabase signs them (Standard Webhooks v1), posted to auth-mirror.

import { createHmac, randomUUID } from 'node:crypto';
import { request } from 'node:http';

/**
 * `webhook-signature` for `body`: HMAC-SHA256 over `${id}.${timestamp}.${body}` with the key
 * that the secret `v1,whsec_<base64>` carries, written `v1,<base64>`.
 */
export function sign(secret, id, timestamp, body) {
  const key = Buffer.from(secret.replace(/^v1,/, '').replace(/^whsec_/, ''), 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/**
 * POSTs `payload` to auth-mirror at `appUrl` + `path`, signed now: `{ status, body }`. One
 * connection per delivery (no keep-alive socket holds the test process open).
 */
export function postSigned(appUrl, secret, path, payload) {
  const body = JSON.stringify(payload);
  const id = `msg_${randomUUID().replaceAll('-', '')}`;
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': sign(secret, id, timestamp, body),
  };
  return new Promise((resolve, reject) => {
    const req = request(`${appUrl}${path}`, { method: 'POST', headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The `after-user-created` Auth Hook request for `user`. */
export function afterUserCreated(user) {
  return {
    metadata: {
      uuid: randomUUID(),
      time: user.created_at,
      name: 'after-user-created',
      ip_address: '127.0.0.1',
    },
    user,
  };
}

/** A database event on auth.users, as auth-mirror's signed db webhook sends it. */
export function dbEvent(type, record, oldRecord) {
  return { type, table: 'users', schema: 'auth', record, old_record: oldRecord };
}
