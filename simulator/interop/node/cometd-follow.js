// cometd-follow.js: the coaching scenario seen through the official CometD JavaScript client alone.
//
// Two CometD instances (the supervisor and the agent) handshake with HTTP Basic auth and subscribe to
// /v2/me/*. The script then plays the scenario over REST: the supervisor coaches the agent, the customer dials
// the agent, the agent answers the ringing call. It succeeds once it has received
//   - the supervisor's DeviceStateChangeMessage with supervisorMonitoringState.state "Coach",
//   - the supervisor's supervision call Ringing and then Established (monitoring true, participants being the
//     customer's and the agent's DNs),
//   - the agent's ParticipantsUpdated that adds the supervisor's DN with supervisorListeningIn true.
//
// Usage: node cometd-follow.js --url http://127.0.0.1:PORT [--supervisor supervisor1] [--agent agent1]
//        [--customer customer1] [--password password] [--deadline-ms 15000]
// Every option may also come from the environment: COACHSIM_URL, COACHSIM_SUPERVISOR, COACHSIM_AGENT,
// COACHSIM_CUSTOMER, COACHSIM_PASSWORD, COACHSIM_DEADLINE_MS.
//
// Output: one JSON object per line on stdout:
//   {"kind":"meta","user":U,"channel":"/meta/...","successful":B,"error":E}  handshake and subscribe replies
//   {"kind":"notification","user":U,"channel":C,"data":{...}}              every notification, as received
//   {"kind":"rest","user":U,"operation":O,"status":N}                       every REST operation performed
//   {"kind":"done"}                                                          everything expected arrived
// Exit status 0 after "done"; 1 with a message on stderr on any failure or when the deadline passes.
"use strict";

const { adapt } = require("cometd-nodejs-client");
const { CometD } = require("cometd");

adapt();

const run = require("./lib").script("cometd-follow");
const { emit, finish, fail } = run;
const opts = run.options({
  url: process.env.COACHSIM_URL,
  supervisor: process.env.COACHSIM_SUPERVISOR || "supervisor1",
  agent: process.env.COACHSIM_AGENT || "agent1",
  customer: process.env.COACHSIM_CUSTOMER || "customer1",
  password: process.env.COACHSIM_PASSWORD || "password",
  "deadline-ms": process.env.COACHSIM_DEADLINE_MS || "15000",
});

function basic(user) {
  return "Basic " + Buffer.from(`${user}:${opts.password}`).toString("base64");
}

// rest performs one request as user and returns the parsed JSON body; any non-zero statusCode fails the run.
async function rest(user, method, path, body, operation) {
  const res = await fetch(opts.url + path, {
    method,
    headers: { Authorization: basic(user), "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${user} ${method} ${path}: HTTP ${res.status}, body is not JSON: ${text}`);
  }
  if (operation) {
    emit({ kind: "rest", user, operation, status: res.status });
  }
  if (res.status !== 200 || json.statusCode !== 0) {
    throw new Error(`${user} ${method} ${path}: HTTP ${res.status} ${text}`);
  }
  return json;
}

async function myDevice(user) {
  const body = await rest(user, "GET", "/api/v2/me/devices?fields=*");
  if (!Array.isArray(body.devices) || body.devices.length === 0) {
    throw new Error(`${user} has no device: ${JSON.stringify(body)}`);
  }
  return body.devices[0];
}

// follow starts a CometD client for user, subscribed to /v2/me/*; onData gets each notification's data.
function follow(user, onData) {
  return new Promise((resolve, reject) => {
    const cometd = new CometD();
    cometd.unregisterTransport("websocket");
    cometd.configure({
      url: opts.url + "/api/v2/notifications",
      requestHeaders: { Authorization: basic(user) },
      logLevel: "warn",
    });
    cometd.addListener("/meta/unsuccessful", (m) => {
      if (m.channel === "/meta/handshake" || m.channel === "/meta/subscribe") {
        return; // reported by the callbacks below
      }
      emit({ kind: "meta", user, channel: m.channel, successful: false, error: m.error || "" });
    });
    cometd.handshake((reply) => {
      emit({ kind: "meta", user, channel: reply.channel, successful: reply.successful, error: reply.error || "" });
      if (!reply.successful) {
        reject(new Error(`${user}: handshake failed: ${JSON.stringify(reply)}`));
        return;
      }
      cometd.subscribe(
        "/v2/me/*",
        (m) => {
          emit({ kind: "notification", user, channel: m.channel, data: m.data });
          onData(m.channel, m.data);
        },
        (sub) => {
          emit({ kind: "meta", user, channel: sub.channel, successful: sub.successful, error: sub.error || "" });
          if (sub.successful) {
            resolve(cometd);
          } else {
            reject(new Error(`${user}: subscribe failed: ${JSON.stringify(sub)}`));
          }
        },
      );
    });
  });
}

function dns(call) {
  return (call.participants || []).map((p) => p.phoneNumber).sort();
}

async function main() {
  let pending = {};
  const deadline = setTimeout(() => {
    const missing = Object.keys(pending).filter((k) => pending[k]);
    const what = missing.length > 0 ? `still waiting for: ${missing.join("; ")}` : "the disconnects did not complete";
    fail(`deadline of ${opts.deadline} ms passed; ${what}`);
  }, opts.deadline);

  const [supDevice, agentDevice, custDevice] = await Promise.all([
    myDevice(opts.supervisor),
    myDevice(opts.agent),
    myDevice(opts.customer),
  ]);
  pending = {
    [`${opts.supervisor} DeviceStateChangeMessage with supervisorMonitoringState Coach`]: true,
    [`${opts.supervisor} supervision call Ringing`]: true,
    [`${opts.supervisor} supervision call Established after Ringing`]: true,
    [`${opts.agent} ParticipantsUpdated adding ${supDevice.phoneNumber} with supervisorListeningIn`]: true,
  };
  const keys = Object.keys(pending);
  let coached, rang;
  const coachSeen = new Promise((r) => (coached = r));
  const agentRinging = new Promise((r) => (rang = r));
  let done;
  const allSeen = new Promise((r) => (done = r));
  const tick = (i) => {
    pending[keys[i]] = false;
    if (keys.every((k) => !pending[k])) {
      done();
    }
  };
  const wantParties = [custDevice.phoneNumber, agentDevice.phoneNumber].sort().join(",");

  const supClient = await follow(opts.supervisor, (channel, data) => {
    if (data.messageType === "DeviceStateChangeMessage") {
      const dev = (data.devices || [])[0] || {};
      if (dev.supervisorMonitoringState && dev.supervisorMonitoringState.state === "Coach") {
        tick(0);
        coached();
      }
      return;
    }
    if (data.messageType !== "CallStateChangeMessage" || !data.call || data.call.monitoring !== true) {
      return;
    }
    if (dns(data.call).join(",") !== wantParties) {
      return;
    }
    if (data.call.state === "Ringing") {
      tick(1);
    } else if (data.call.state === "Established" && !pending[keys[1]]) {
      tick(2);
    }
  });
  const agentClient = await follow(opts.agent, (channel, data) => {
    if (data.messageType !== "CallStateChangeMessage" || !data.call) {
      return;
    }
    if (data.call.state === "Ringing") {
      rang(data.call.id);
    }
    if (
      data.notificationType === "ParticipantsUpdated" &&
      dns(data.call).includes(supDevice.phoneNumber) &&
      data.call.supervisorListeningIn === true
    ) {
      tick(3);
    }
  });

  await rest(
    opts.supervisor,
    "POST",
    `/api/v2/me/devices/${supDevice.id}`,
    { operationName: "Coach", targetDeviceUri: `${opts.url}/api/v2/devices/${agentDevice.id}` },
    "Coach",
  );
  await coachSeen;
  await rest(
    opts.customer,
    "POST",
    `/api/v2/me/devices/${custDevice.id}/calls`,
    { operationName: "Dial", destination: { phoneNumber: agentDevice.phoneNumber } },
    "Dial",
  );
  const callId = await agentRinging;
  await rest(opts.agent, "POST", `/api/v2/me/calls/${callId}`, { operationName: "Answer" }, "Answer");
  await allSeen;
  await Promise.all(
    [supClient, agentClient].map((c) => new Promise((resolve) => c.disconnect(() => resolve()))),
  );
  clearTimeout(deadline);
  emit({ kind: "done" });
  finish(0);
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
