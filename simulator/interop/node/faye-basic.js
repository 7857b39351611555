// faye-basic.js: Faye, a Bayeux client written independently of CometD, receiving simulator notifications.
//
// The client sends HTTP Basic auth on every request (client.setHeader), uses long-polling only (websocket
// disabled), subscribes to --channel and prints each notification it receives. The driver (a test) triggers
// notifications over REST once the subscribe reply has been printed. The script succeeds after --count
// notifications and a clean /meta/disconnect.
//
// Usage: node faye-basic.js --url http://127.0.0.1:PORT [--user agent1] [--password password]
//        [--channel /v2/me/devices] [--count 1] [--deadline-ms 15000]
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

const run = require("./lib").script("faye-basic");
const { emit, finish, fail } = run;
const opts = run.options({
  url: process.env.COACHSIM_URL,
  user: process.env.COACHSIM_USER || "agent1",
  password: process.env.COACHSIM_PASSWORD || "password",
  channel: process.env.COACHSIM_CHANNEL || "/v2/me/devices",
  count: process.env.COACHSIM_COUNT || "1",
  "deadline-ms": process.env.COACHSIM_DEADLINE_MS || "15000",
}, ["count"]);

let received = 0;
let clientId = ""; // of the current session

const deadline = setTimeout(() => {
  fail(`deadline of ${opts.deadline} ms passed with ${received} of ${opts.count} notifications`);
}, opts.deadline);

const client = new faye.Client(opts.url + "/api/v2/notifications", { timeout: 60, retry: 1 });
client.disable("websocket");
client.setHeader("Authorization", "Basic " + Buffer.from(`${opts.user}:${opts.password}`).toString("base64"));

const reported = ["/meta/handshake", "/meta/subscribe", "/meta/disconnect"];
client.addExtension({
  incoming(message, callback) {
    const failedConnect = message.channel === "/meta/connect" && message.successful === false;
    if (message.channel === "/meta/handshake" && message.successful === true) {
      clientId = message.clientId;
    }
    if (reported.includes(message.channel) || failedConnect) {
      emit({
        kind: "meta",
        user: opts.user,
        channel: message.channel,
        successful: message.successful === true,
        clientId: message.clientId || clientId,
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
