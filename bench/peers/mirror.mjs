// What the two peers share, and what a hand-written receiver has to know about Supabase's
// deliveries: the secrets' format, the event key, and the statement's parameters for a
// verified body. No dependencies: Deno and Node import this file as it is.

/** Supabase writes secrets `v1,whsec_<base64>`, several separated by `|`: the base64 keys. */
export function base64Keys(secrets) {
  return (secrets ?? "")
    .split("|")
    .map((secret) => secret.trim().replace(/^v1,/, "").replace(/^whsec_/, ""))
    .filter((key) => key !== "");
}

const NO_TIME = "0001-01-01T00:00:00Z";
const str = (value) => (value === undefined || value === null ? null : String(value));
const json = (value) => (value === undefined || value === null ? null : JSON.stringify(value));

/**
 * What a verified delivery asks for: `{ reply }` to answer without storing (a hook this
 * receiver does not implement, a change it does not mirror), or `{ params }` for
 * mirror_statement.sql. `digest(text)` is the hex SHA-256 of a text (each runtime has its
 * own); `source` is `auth_hook` or `db_webhook`.
 */
export async function plan(source, body, text, webhookId, timestamp, digest) {
  let kind, key, user, deleted = false;
  if (source === "auth_hook") {
    kind = body?.metadata?.name;
    if (kind !== "after-user-created" && kind !== "before-user-created") {
      return { reply: { error: { http_code: 500, message: `${kind} is not implemented` } } };
    }
    key = `hook:${body.metadata.uuid}`;
    user = body.user ?? {};
  } else {
    kind = body?.type;
    if (body?.schema !== "auth" || body?.table !== "users" || !["INSERT", "UPDATE", "DELETE"].includes(kind)) {
      return { status: 422, reply: { error: "unsupported_event" } };
    }
    key = `db:${await digest(text)}`;
    const row = kind === "DELETE" ? body.old_record : body.record;
    deleted = kind === "DELETE" || row?.deleted_at != null;
    user = { ...row, user_metadata: row?.raw_user_meta_data, app_metadata: row?.raw_app_meta_data };
  }
  // before-user-created carries no version yet: stored, never mirrored (the statement's rule).
  const version = kind === "before-user-created" ? NO_TIME : str(user.updated_at);
  const live = (value) => (deleted ? null : value);
  return {
    params: [
      source, kind, key, str(user.id), webhookId, timestamp, text,
      live(str(user.email)), live(str(user.phone)), String(user.is_anonymous === true),
      live(json(user.user_metadata)), live(json(user.app_metadata)),
      live(str(user.email_confirmed_at)), str(user.created_at), version,
      deleted ? str(user.deleted_at) ?? version : null,
    ],
  };
}
