// lib.js: what every interop script shares. A script prints one JSON object per line on stdout and ends with
// exit status 0 (after its last line), 1 with the reason on stderr, or 2 for a usage mistake; it takes
// --key value (or --key=value) arguments over defaults that come from the environment.
"use strict";

// script returns the output and option helpers of the script called name.
function script(name) {
  let finished = false;

  const emit = (obj) => {
    process.stdout.write(JSON.stringify(obj) + "\n");
  };

  // finish ends the process once stdout has drained; CometD and Faye clients may still hold sockets open.
  const finish = (code) => {
    finished = true;
    process.exitCode = code;
    process.stdout.write("", () => process.exit(code));
  };

  const fail = (message) => {
    if (finished) {
      return;
    }
    process.stderr.write(`${name}: ${message}\n`);
    finish(1);
  };

  // usage ends the process at once: nothing has started yet when the options are read.
  const usage = (message) => {
    process.stderr.write(`${name}: ${message}\n`);
    process.exit(2);
  };

  // options reads the arguments over defaults. url is required (trailing slashes dropped); deadline-ms, and
  // every key named in counts, must be positive (counts: whole numbers) and come back as numbers.
  // opts.deadline is deadline-ms. A mistake ends the process with status 2.
  const options = (defaults, counts = []) => {
    const opts = { ...defaults };
    const argv = process.argv.slice(2);
    for (let i = 0; i < argv.length; i++) {
      const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
      if (!m || !(m[1] in opts)) {
        usage(`unknown argument ${argv[i]}`);
      }
      opts[m[1]] = m[2] !== undefined ? m[2] : argv[++i];
    }
    if (!opts.url) {
      usage("no base URL: pass --url http://HOST:PORT or set COACHSIM_URL");
    }
    opts.url = opts.url.replace(/\/+$/, "");
    opts.deadline = Number(opts["deadline-ms"]);
    if (!(opts.deadline > 0)) {
      usage(`--deadline-ms must be a positive number, got ${opts["deadline-ms"]}`);
    }
    for (const key of counts) {
      const n = Number(opts[key]);
      if (!(Number.isInteger(n) && n >= 1)) {
        usage(`--${key} must be a whole number of at least 1, got ${opts[key]}`);
      }
      opts[key] = n;
    }
    return opts;
  };

  return {
    emit,
    finish,
    fail,
    options,
    get finished() {
      return finished;
    },
  };
}

module.exports = { script };
