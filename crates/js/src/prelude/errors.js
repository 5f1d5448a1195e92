// Error stacks as V8 (Node, Deno, Chrome) gives them: `stack` is an own,
// writable, configurable, non-enumerable data property of each error, set
// when the error is made, and reads `Name: message` then one `    at …`
// line per frame of the program. Libraries rely on both: they copy an
// error's own properties (losing an inherited stack) and parse its lines.
//
// QuickJS-ng keeps the stack in the error's internal slot behind an
// accessor on Error.prototype, without the header. It does call
// `Error.prepareStackTrace(error, callSites)` when an error is made, so
// the runtime installs its own there: it formats the call sites, leaves
// out msgport's own frames (its preludes, `msgport:prelude/*`), and defines
// the own property. A program may still set `Error.prepareStackTrace`, as
// on V8 (`(e, sites) => sites` is a common way to read call sites): the
// program's function gets the same call sites and its result becomes
// `stack`. V8 calls it on the first read rather than at creation; the
// result is the same unless the function depends on when it runs.
(function (host, internal) {
  "use strict";
  const native = Object.getOwnPropertyDescriptor(Error, "prepareStackTrace");
  if (!native || typeof native.set !== "function") return;
  const { defineProperty, getPrototypeOf } = Object;
  const setPrepare = Function.prototype.call.bind(native.set);

  // The call-site class, for the methods V8 has and QuickJS-ng lacks.
  setPrepare(Error, (e, sites) => sites);
  const sample = (function probe() { return new Error().stack; })();
  setPrepare(Error, undefined);
  const CallSite = getPrototypeOf(sample[0]);

  // This runs for every error made, so it makes no call it can avoid
  // (bound or uncurried calls cost several times a plain one here) and
  // reads each call site's fields once. The call sites' methods are called
  // as the program may have left them: that can change only the text of
  // the program's own stacks, and a failure leaves the stack out.
  //
  // Files of msgport's own code: its preludes, and the embedding's unnamed
  // scripts (`eval_script`).
  const ownFiles = { __proto__: null, eval_script: true };
  for (const name of host.preludeNames) ownFiles["msgport:prelude/" + name] = true;

  // `Name: message`, as Error.prototype.toString gives it (read directly,
  // so a program's toString does not change the header, as on V8).
  function header(e) {
    try {
      const n = e.name, m = e.message;
      const name = n === undefined ? "Error" : "" + n;
      const msg = m === undefined ? "" : "" + m;
      return name === "" ? msg : msg === "" ? name : name + ": " + msg;
    } catch {
      return "Error";
    }
  }

  // The text of the program's frames, one line each in V8's format:
  // `    at f (file:1:2)`, `    at new C (…)`, `    at file:1:2` for code
  // outside any function, and `<anonymous>` for a built-in's location.
  // msgport's frames are left out, and so is a built-in just outside one
  // (the built-in a prelude called the program through, e.g. the `call`
  // that runs an event listener).
  function frames(sites, keep) {
    let text = "";
    const n = sites.length;
    let nextFile = n > 0 ? sites[0].getFileName() : undefined;
    for (let i = 0; i < n; i++) {
      const s = sites[i];
      const file = nextFile;
      nextFile = i + 1 < n ? sites[i + 1].getFileName() : undefined;
      if (typeof file === "string" && ownFiles[file] === true) continue;
      const isNative = file == null && s.isNative();
      if (isNative && typeof nextFile === "string" && ownFiles[nextFile] === true) continue;
      if (keep !== undefined) { keep[keep.length] = s; continue; }
      let name = s.getFunctionName();
      if (name === "<eval>" || name == null) name = "";
      if (s.isConstructor()) name = "new " + (name === "" ? "<anonymous>" : name);
      let where;
      if (file == null) {
        where = "<anonymous>";
      } else {
        const line = s.getLineNumber();
        where = line > 0 ? file + ":" + line + ":" + s.getColumnNumber() : "" + file;
      }
      text += name === "" ? "\n    at " + where : "\n    at " + name + " (" + where + ")";
    }
    return text;
  }

  let programPrepare; // Error.prepareStackTrace as the program sets it
  // The descriptor of every stack, made once (its prototype is null, so
  // nothing a program adds to Object.prototype is read as a field).
  const own = { __proto__: null, value: undefined, writable: true, configurable: true, enumerable: false };
  const hasOwn = Object.prototype.hasOwnProperty;
  // The engine calls this when an error is made, for
  // Error.captureStackTrace, and again while a thrown error unwinds a
  // frame at times (after a catch in an async function, the engine has
  // forgotten that the exception has its trace), with the frames left at
  // that point. So the own `stack` is defined only on an error that has
  // none: a thrown error keeps the stack it was made with, as on V8.
  // (Error.captureStackTrace defines what this returns itself.)
  function prepareStackTrace(error, sites) {
    let stack;
    if (typeof programPrepare === "function") {
      const kept = [];
      frames(sites, kept);
      stack = programPrepare(error, kept);
    } else {
      stack = header(error) + frames(sites);
    }
    if (!hasOwn.call(error, "stack")) {
      own.value = stack;
      try {
        defineProperty(error, "stack", own);
      } catch {
        // A frozen or non-extensible target keeps what it had.
      }
    }
    return stack;
  }
  setPrepare(Error, prepareStackTrace);
  // What a program reads and sets is its own function (undefined at first,
  // as on V8); the engine keeps calling the runtime's.
  defineProperty(Error, "prepareStackTrace", {
    __proto__: null,
    get() { return programPrepare; },
    set(f) { programPrepare = f; },
    configurable: true,
    enumerable: false,
  });

  // An error made where no JavaScript can run any more (a RangeError
  // thrown at the stack limit: the hook itself cannot be called) has no
  // own stack; the engine's accessor then gives null. It gives the header
  // instead, so `stack` is always a string for an error, as on V8.
  const inherited = Object.getOwnPropertyDescriptor(Error.prototype, "stack");
  if (inherited && typeof inherited.get === "function") {
    const get = Function.prototype.call.bind(inherited.get);
    defineProperty(Error.prototype, "stack", {
      __proto__: null,
      get() {
        const stack = get(this);
        return stack == null && this instanceof Error ? header(this) : stack;
      },
      set: inherited.set,
      configurable: inherited.configurable,
      enumerable: inherited.enumerable,
    });
  }

  // V8's call-site methods that QuickJS-ng lacks, with the answers V8
  // gives where this engine has no such information.
  const extra = {
    getThis() { return undefined; },
    getTypeName() { return null; },
    getMethodName() { return null; },
    getEvalOrigin() { return undefined; },
    getScriptNameOrSourceURL() { return this.getFileName(); },
    isToplevel() { const n = this.getFunctionName(); return n === "<eval>" || n == null; },
    isEval() { return false; },
    isAsync() { return false; },
    isPromiseAll() { return false; },
    getPromiseIndex() { return null; },
    toString() { return frames([this]).slice(8); },
  };
  for (const k of Object.keys(extra)) {
    if (!Object.prototype.hasOwnProperty.call(CallSite, k)) defineProperty(CallSite, k, { __proto__: null, value: extra[k], writable: true, configurable: true, enumerable: false });
  }
})
