// A hand-written Node receiver: express for HTTP, node:crypto for the Standard Webhooks
// signature (as Supabase sends it), pg for ONE statement per delivery
// (../mirror_statement.sql). The second peer of bench/side_by_side.sh.
//
//   DATABASE_URL=postgres://... WEBHOOK_SECRETS='v1,whsec_...' PORT=8001 node server.mjs
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import express from "express";
import pg from "pg";
import { base64Keys, plan } from "../mirror.mjs";

const keys = base64Keys(process.env.WEBHOOK_SECRETS).map((key) => Buffer.from(key, "base64"));
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL_SIZE ?? 16) });
const statement = { name: "mirror", text: readFileSync(new URL("../mirror_statement.sql", import.meta.url), "utf8") };
const TOLERANCE_SECONDS = 300;

/** Standard Webhooks as Supabase sends it: `v1,<base64>` entries joined by ", " or " ". */
function verified(id, timestamp, signatures, raw) {
  if (!id || !/^\d+$/.test(timestamp ?? "") || !signatures) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) return false;
  const given = signatures.split(/,? /).flatMap((entry) => {
    const [version, signature] = entry.split(",");
    return version === "v1" && signature ? [Buffer.from(signature, "base64")] : [];
  });
  return keys.some((key) => {
    const expected = createHmac("sha256", key).update(`${id}.${timestamp}.`).update(raw).digest();
    return given.some((signature) => signature.length === expected.length && timingSafeEqual(signature, expected));
  });
}

const digest = async (text) => createHash("sha256").update(text).digest("hex");
const app = express();
app.use(express.raw({ type: () => true, limit: "1mb" }));
for (const [path, source] of [["/hooks/auth", "auth_hook"], ["/hooks/db", "db_webhook"]]) {
  app.post(path, async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const id = req.get("webhook-id");
    const timestamp = req.get("webhook-timestamp");
    if (!verified(id, timestamp, req.get("webhook-signature"), raw)) {
      return res.status(401).json({ error: "invalid_signature" });
    }
    const text = raw.toString("utf8");
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      return res.status(422).json({ error: "malformed_payload" });
    }
    const planned = await plan(source, body, text, id, timestamp, digest);
    if (planned.reply) return res.status(planned.status ?? 200).json(planned.reply);
    try {
      await pool.query({ ...statement, values: planned.params });
    } catch (error) {
      console.error("mirror statement failed", error.code);
      return res.status(500).json({ error: "database_error" });
    }
    res.json({});
  });
}
app.listen(Number(process.env.PORT ?? 8001), "127.0.0.1");
