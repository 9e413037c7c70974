#!/usr/bin/env node
// Renders nginx.conf.template as envsubst would, for the variables it names alone:
//   CHAT_LISTEN=0.0.0.0:80 CHAT_INSTANCE_1=10.0.0.11:3000 CHAT_INSTANCE_2=... \
//   CHAT_INSTANCE_3=... CHAT_NGINX_DIR=/var/lib/chat-nginx \
//   node deploy/nginx/render.mjs > /etc/nginx/chat.conf
// A variable unset or empty stops it with a message naming the variable.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const templatePath = fileURLToPath(new URL("nginx.conf.template", import.meta.url));

/** The names the template may use: `${CHAT_...}`. */
const placeholder = /\$\{(CHAT_[A-Z0-9_]+)\}/g;

/**
 * The template with each `${CHAT_...}` replaced by `env`'s value; nginx's own `$variables`
 * are left as they are.
 * @param {Record<string, string | undefined>} env
 * @param {string} [template]
 * @returns {string}
 */
export function renderNginxConfig(env, template = readFileSync(templatePath, "utf8")) {
  const missing = new Set();
  const text = template.replace(placeholder, (_whole, name) => {
    const value = env[name];
    if (value === undefined || value === "") missing.add(name);
    return value ?? "";
  });
  if (missing.size > 0) throw new Error(`set ${[...missing].join(", ")} to render the nginx configuration`);
  return text;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.stdout.write(renderNginxConfig(process.env));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
