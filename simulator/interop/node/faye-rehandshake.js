// faye-rehandshake.js: Faye recovering from a lost session on its own.
//
// Like faye-basic.js, but meant to span a loss of every server session: the driver (a test) triggers one
// notification, makes the server forget every session, and triggers the next one once the client has
// handshaken and re-subscribed again (Faye does both by itself when a reply advises reconnect=handshake). The
// script succeeds when --count notifications have arrived and the last one came over a session other than the
// first.
//
// Usage: node faye-rehandshake.js --url http://127.0.0.1:PORT [--user agent1] [--password password]
//        [--channel /v2/me/*] [--count 2] [--deadline-ms 15000]
// Environment fallbacks: COACHSIM_URL, COACHSIM_USER, COACHSIM_PASSWORD, COACHSIM_CHANNEL, COACHSIM_COUNT,
// COACHSIM_DEADLINE_MS.
//
// Output: one JSON object per line on stdout:
//   {"kind":"meta","user":U,"channel":"/meta/handshake"|"/meta/subscribe"|"/meta/disconnect","successful":B,
//    "clientId":ID,"error":E}  (and failed /meta/connect replies)
//   {"kind":"notification","user":U,"channel":C,"data":{...}}
//   {"kind":"done"}
// Exit status 0 after "done"; 1 with a message on stderr on any failure or when the deadline passes.
"use strict";

const faye = require("faye");

const run = require("./lib").script("faye-rehandshake");
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

const client = new faye.Client(opts.url + "/api/v2/notifications", { timeout: 60, retry: 1 });
client.disable("websocket");
client.setHeader("Authorization", "Basic " + Buffer.from(`${opts.user}:${opts.password}`).toString("base64"));

const reported = ["/meta/handshake", "/meta/subscribe", "/meta/disconnect"];
client.addExtension({
  incoming(message, callback) {
    const failedConnect = message.channel === "/meta/connect" && message.successful === false;
    if (message.channel === "/meta/handshake" && message.successful === true) {
      sessions.push(message.clientId);
    }
    if (reported.includes(message.channel) || failedConnect) {
      emit({
        kind: "meta",
        user: opts.user,
        channel: message.channel,
        successful: message.successful === true,
        clientId: message.clientId || sessions[sessions.length - 1] || "",
        error: message.error || "",
      });
    }
    callback(message);
  },
});

const subscription = client.subscribe(opts.channel).withChannel((channel, data) => {
  if (run.finished) {
    return;
  }
  received++;
  emit({ kind: "notification", user: opts.user, channel, data });
  if (received < opts.count) {
    return;
  }
  if (opts.count > 1 && sessions.length < 2) {
    fail(`notification ${received} arrived without a re-handshake (sessions: ${JSON.stringify(sessions)})`);
    return;
  }
  client.disconnect().then(
    () => {
      clearTimeout(deadline);
      emit({ kind: "done" });
      finish(0);
    },
    (err) => fail(`disconnect failed: ${err && err.message ? err.message : err}`),
  );
});
subscription.then(null, (err) => fail(`subscribe to ${opts.channel} failed: ${err && err.message ? err.message : err}`));
