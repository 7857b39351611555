'use strict';
// One Bayeux peer server for make bench-peers: node peer.js faye|cometd
//
//   /bayeux   the server's long-polling endpoint
//   /trigger  POST {"channel":"/c/1","sentAt":"<unix ns>"}: publish {"sentAt":...} on channel (one HTTP
//             request per notification, as a REST operation on coachsim costs one)
//   /burst    POST {"channels":["/c/0",...],"count":N,"rate":R}: publish N messages round robin from inside
//             the process, R per second on an open-loop schedule (0: as fast as the event loop allows),
//             each stamped with its intended send time; the reply comes at once
//
// It prints "listening PORT" once ready on 127.0.0.1 and runs until killed.
const http = require('http');
const { performance } = require('perf_hooks');

const kind = process.argv[2];
const holdMs = 30000;
let handle;
let publish;

if (kind === 'faye') {
  const faye = require('faye');
  const bayeux = new faye.NodeAdapter({ mount: '/bayeux', timeout: holdMs / 1000 });
  const client = bayeux.getClient();
  handle = (req, res) => bayeux.handle(req, res);
  publish = (channel, data) => client.publish(channel, data);
} else if (kind === 'cometd') {
  const cometd = require('cometd-nodejs-server');
  const server = cometd.createCometDServer({ timeout: holdMs, maxInterval: 15000 });
  handle = server.handle;
  // No channel object is kept: the server sweeps a channel whose subscribers have gone, and a kept one
  // would then publish to nobody. createServerChannel returns the live channel or makes it.
  publish = (channel, data) => server.createServerChannel(channel).publish(null, data);
} else {
  process.stderr.write('usage: node peer.js faye|cometd\n');
  process.exit(2);
}

// nowNs is the wall clock in Unix nanoseconds with sub-millisecond precision, comparable with Go's time.Now.
const nowNs = () => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;

function readJSON(req, done) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    try {
      done(null, JSON.parse(Buffer.concat(chunks).toString('utf8')));
    } catch (e) {
      done(e);
    }
  });
}

function reply(res, code, body) {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function burst(channels, count, rate) {
  const start = nowNs();
  const interval = rate > 0 ? BigInt(Math.round(1e9 / rate)) : 0n;
  let i = 0;
  const step = () => {
    const now = nowNs();
    let n = 0;
    // As fast as possible: 200 a turn, so that the event loop still reads and writes sockets between turns.
    while (i < count && n < 200) {
      const due = start + BigInt(i) * interval;
      if (rate > 0 && due > now) break;
      publish(channels[i % channels.length], { sentAt: String(rate > 0 ? due : nowNs()) });
      i++;
      n++;
    }
    if (i < count) {
      if (rate > 0 && n === 0) setTimeout(step, 1);
      else setImmediate(step);
    }
  };
  step();
}

const srv = http.createServer((req, res) => {
  const path = req.url.split('?')[0];
  if (path === '/trigger' && req.method === 'POST') {
    readJSON(req, (err, msg) => {
      if (err || typeof msg.channel !== 'string') return reply(res, 400, { error: 'bad trigger' });
      publish(msg.channel, { sentAt: String(msg.sentAt) });
      reply(res, 200, {});
    });
    return;
  }
  if (path === '/burst' && req.method === 'POST') {
    readJSON(req, (err, msg) => {
      if (err || !Array.isArray(msg.channels)) return reply(res, 400, { error: 'bad burst' });
      reply(res, 200, {});
      burst(msg.channels, msg.count | 0, Number(msg.rate) || 0);
    });
    return;
  }
  handle(req, res);
});
srv.timeout = 0;
srv.keepAliveTimeout = 60000;
srv.requestTimeout = 0;
srv.listen(0, '127.0.0.1', () => process.stdout.write('listening ' + srv.address().port + '\n'));
