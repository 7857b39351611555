// cometd-watch.js: a supervisor watching a scripted contact center with the official CometD client alone.
//
// The script only listens: it handshakes as the supervisor with HTTP Basic auth, subscribes to /v2/me/*,
// and prints every notification. It performs no operation of any kind, so whatever arrives was caused by the
// simulator's own script (callers, agents, standing supervision). It succeeds once it has seen --calls
// distinct supervision calls (monitoring true) each go Established and later Released.
//
// Usage: node cometd-watch.js --url http://127.0.0.1:PORT [--user supervisor1] [--password password]
//        [--calls 2] [--deadline-ms 20000]
// Environment fallbacks: COACHSIM_URL, COACHSIM_USER, COACHSIM_PASSWORD, COACHSIM_CALLS, COACHSIM_DEADLINE_MS.
//
// Output: one JSON object per line on stdout:
//   {"kind":"meta","user":U,"channel":"/meta/handshake"|"/meta/subscribe","successful":B,"error":E}
//   {"kind":"notification","user":U,"channel":C,"data":{...}}
//   {"kind":"supervised","call":ID,"participants":[...]}   a supervision call went Established
//   {"kind":"released","call":ID}                           ... and was Released
//   {"kind":"done"}
// Exit status 0 after "done"; 1 with a message on stderr on any failure or when the deadline passes.
"use strict";

const { adapt } = require("cometd-nodejs-client");
const { CometD } = require("cometd");

adapt();

const run = require("./lib").script("cometd-watch");
const { emit, finish, fail } = run;
const opts = run.options({
  url: process.env.COACHSIM_URL,
  user: process.env.COACHSIM_USER || "supervisor1",
  password: process.env.COACHSIM_PASSWORD || "password",
  calls: process.env.COACHSIM_CALLS || "2",
  "deadline-ms": process.env.COACHSIM_DEADLINE_MS || "20000",
}, ["calls"]);

const established = new Set(); // supervision calls seen Established
const completed = new Set(); // ... and then Released

const deadline = setTimeout(() => {
  fail(
    `deadline of ${opts.deadline} ms passed: ${established.size} supervision calls Established, ` +
      `${completed.size} of ${opts.calls} also Released`,
  );
}, opts.deadline);

const cometd = new CometD();
cometd.unregisterTransport("websocket");
cometd.configure({
  url: opts.url + "/api/v2/notifications",
  requestHeaders: { Authorization: "Basic " + Buffer.from(`${opts.user}:${opts.password}`).toString("base64") },
  logLevel: "warn",
});

function onNotification(m) {
  if (run.finished) {
    return;
  }
  emit({ kind: "notification", user: opts.user, channel: m.channel, data: m.data });
  const data = m.data || {};
  const call = data.call;
  if (data.messageType !== "CallStateChangeMessage" || !call || call.monitoring !== true) {
    return;
  }
  if (call.state === "Established" && !established.has(call.id)) {
    established.add(call.id);
    emit({ kind: "supervised", call: call.id, participants: (call.participants || []).map((p) => p.phoneNumber) });
  } else if (call.state === "Released" && established.has(call.id) && !completed.has(call.id)) {
    completed.add(call.id);
    emit({ kind: "released", call: call.id });
    if (completed.size >= opts.calls) {
      cometd.disconnect(() => {
        clearTimeout(deadline);
        emit({ kind: "done" });
        finish(0);
      });
    }
  }
}

cometd.handshake((reply) => {
  emit({ kind: "meta", user: opts.user, channel: reply.channel, successful: reply.successful, error: reply.error || "" });
  if (!reply.successful) {
    return; // CometD retries while its advice says so; the deadline bounds the wait
  }
  cometd.subscribe("/v2/me/*", onNotification, (sub) => {
    emit({ kind: "meta", user: opts.user, channel: sub.channel, successful: sub.successful, error: sub.error || "" });
    if (!sub.successful) {
      fail(`subscribe failed: ${JSON.stringify(sub)}`);
    }
  });
});
