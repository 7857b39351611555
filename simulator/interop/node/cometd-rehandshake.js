// cometd-rehandshake.js: the official CometD JavaScript client recovering from a lost session on its own.
//
// The client handshakes with HTTP Basic auth and subscribes (from its handshake callback, which CometD calls
// again after every re-handshake, so the subscription is renewed with the session). It prints every
// notification it receives. The driver (a test) triggers one notification, then makes the server forget every
// session; the client gets "402" with advice reconnect=handshake, handshakes again by itself, re-subscribes,
// and receives the next notification the driver triggers. The script succeeds when --count notifications have
// arrived and the last one came over a session other than the first.
//
// Usage: node cometd-rehandshake.js --url http://127.0.0.1:PORT [--user agent1] [--password password]
//        [--channel /v2/me/*] [--count 2] [--deadline-ms 15000]
// Environment fallbacks: COACHSIM_URL, COACHSIM_USER, COACHSIM_PASSWORD, COACHSIM_CHANNEL, COACHSIM_COUNT,
// COACHSIM_DEADLINE_MS.
//
// Output: one JSON object per line on stdout:
//   {"kind":"meta","user":U,"channel":"/meta/handshake","successful":B,"clientId":ID,"error":E}
//   {"kind":"meta","user":U,"channel":"/meta/subscribe","successful":B,"clientId":ID,"error":E}
//   {"kind":"meta","user":U,"channel":"/meta/connect","successful":false,"clientId":ID,"error":E}  (failures only)
//   {"kind":"notification","user":U,"channel":C,"data":{...}}
//   {"kind":"done"}
// Exit status 0 after "done"; 1 with a message on stderr on any failure or when the deadline passes.
"use strict";

const { adapt } = require("cometd-nodejs-client");
const { CometD } = require("cometd");

adapt();

const run = require("./lib").script("cometd-rehandshake");
const { emit, finish, fail } = run;
const opts = run.options({
  url: process.env.COACHSIM_URL,
  user: process.env.COACHSIM_USER || "agent1",
  password: process.env.COACHSIM_PASSWORD || "password",
  channel: process.env.COACHSIM_CHANNEL || "/v2/me/*",
  count: process.env.COACHSIM_COUNT || "2",
  "deadline-ms": process.env.COACHSIM_DEADLINE_MS || "15000",
}, ["count"]);

const sessions = []; // clientIds of successful handshakes, oldest first
let received = 0;

const deadline = setTimeout(() => {
  fail(
    `deadline of ${opts.deadline} ms passed with ${received} of ${opts.count} notifications ` +
      `after ${sessions.length} successful handshakes`,
  );
}, opts.deadline);

const cometd = new CometD();
cometd.unregisterTransport("websocket");
cometd.configure({
  url: opts.url + "/api/v2/notifications",
  requestHeaders: { Authorization: "Basic " + Buffer.from(`${opts.user}:${opts.password}`).toString("base64") },
  logLevel: "warn",
});

function meta(m) {
  emit({
    kind: "meta",
    user: opts.user,
    channel: m.channel,
    successful: m.successful === true,
    clientId: m.clientId || cometd.getClientId() || "",
    error: m.error || "",
  });
}

cometd.addListener("/meta/connect", (m) => {
  if (!m.successful) {
    meta(m);
  }
});

function onNotification(m) {
  if (run.finished) {
    return;
  }
  received++;
  emit({ kind: "notification", user: opts.user, channel: m.channel, data: m.data });
  if (received < opts.count) {
    return;
  }
  if (opts.count > 1 && sessions.length < 2) {
    fail(`notification ${received} arrived without a re-handshake (sessions: ${JSON.stringify(sessions)})`);
    return;
  }
  cometd.disconnect(() => {
    clearTimeout(deadline);
    emit({ kind: "done" });
    finish(0);
  });
}

// CometD calls this again after each automatic re-handshake: subscribing here renews the subscription.
cometd.handshake((reply) => {
  meta(reply);
  if (!reply.successful) {
    return; // CometD retries by itself while its advice says so; the deadline bounds the wait
  }
  sessions.push(reply.clientId);
  cometd.subscribe(opts.channel, onNotification, (sub) => {
    meta(sub);
    if (!sub.successful) {
      fail(`subscribe to ${opts.channel} failed: ${JSON.stringify(sub)}`);
    }
  });
});
