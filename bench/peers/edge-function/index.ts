// Supabase's way: an Edge Function receiving Supabase's signed auth deliveries, verifying them
// with `standardwebhooks` as Supabase's documentation shows, and mirroring each one with ONE
// statement through postgres.js (../mirror_statement.sql). The peer auth-mirror is measured
// against in bench/side_by_side.sh. Run with this folder's own Deno (npm package `deno`):
//
//   DATABASE_URL=postgres://... WEBHOOK_SECRETS='v1,whsec_...' PORT=8000 \
//     node_modules/@deno/linux-x64-glibc/deno run --allow-net --allow-env --allow-read index.ts
import { Webhook } from "npm:standardwebhooks@1.1.1";
import postgres from "npm:postgres@3.4.9";
import { base64Keys, plan } from "../mirror.mjs";

const verifiers = base64Keys(Deno.env.get("WEBHOOK_SECRETS")).map((key) => new Webhook(key));
const sql = postgres(Deno.env.get("DATABASE_URL")!, { max: Number(Deno.env.get("POOL_SIZE") ?? 16) });
const statement = await Deno.readTextFile(new URL("../mirror_statement.sql", import.meta.url));
const SOURCES: Record<string, string> = { "/hooks/auth": "auth_hook", "/hooks/db": "db_webhook" };

const reply = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

async function digest(text: string): Promise<string> {
  const hash = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(hash), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

Deno.serve({ hostname: "127.0.0.1", port: Number(Deno.env.get("PORT") ?? 8000) }, async (req) => {
  const source = SOURCES[new URL(req.url).pathname];
  if (req.method !== "POST" || !source) return reply({ error: "not_found" }, 404);
  const text = await req.text();
  const headers = Object.fromEntries(req.headers);
  let body;
  for (const verifier of verifiers) {
    try {
      body = verifier.verify(text, headers);
      break;
    } catch {
      // the next secret, if any
    }
  }
  if (body === undefined) return reply({ error: "invalid_signature" }, 401);
  const planned = await plan(source, body, text, headers["webhook-id"], headers["webhook-timestamp"], digest);
  if (planned.reply) return reply(planned.reply, planned.status);
  try {
    await sql.unsafe(statement, planned.params, { prepare: true });
  } catch (error) {
    console.error("mirror statement failed", (error as { code?: string }).code);
    return reply({ error: "database_error" }, 500);
  }
  return reply({});
});
