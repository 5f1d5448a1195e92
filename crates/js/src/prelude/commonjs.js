// CommonJS modules as Node runs them (Node's "Modules: CommonJS modules"),
// for npm packages that ship only `module.exports`/`require`: the module
// cache, `module`, `require` (with `resolve`, `cache` and `main`), cycles
// (a module required while it runs gives its exports so far), JSON files,
// and the ES module an `import` of such a file gets. Files are resolved,
// read, told apart and compiled by the runtime (`runtime/commonjs.rs`).
//
// Also defines the globals `process` and `global` as bundlers give them
// (below). Exposes `internal.commonjs`: `importFacade(filename, kind, text)` for the
// module loader, and `runMain(filename, text)` for a `.cjs` main script.
(function (host, internal) {
  "use strict";
  const { commonjsResolve, commonjsRead, commonjsCompile } = host;
  const { create, keys, freeze } = Object;
  const { apply } = Reflect;
  const { parse } = JSON;
  const NativeSyntaxError = SyntaxError;
  const NativeError = Error;
  const NativeTypeError = TypeError;
  const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
  const test = Function.prototype.call.bind(RegExp.prototype.test);

  // require.cache: every module made, by filename (a module removed from
  // it is loaded afresh by the next require, as in Node).
  const cache = create(null);
  let mainModule;

  function codeError(Ctor, message, code, cause) {
    const e = cause === undefined ? new Ctor(message) : new Ctor(message, { cause });
    e.code = code;
    return e;
  }

  function dirname(filename) {
    const i = filename.lastIndexOf("/");
    return i > 0 ? filename.slice(0, i) : "/";
  }

  function newModule(filename, parent) {
    const module = {
      id: filename,
      path: dirname(filename),
      exports: {},
      filename,
      loaded: false,
      children: [],
      paths: [],
    };
    module.require = makeRequire(module);
    if (parent) parent.children.push(module);
    return module;
  }

  function resolveFrom(specifier, module) {
    if (typeof specifier !== "string")
      throw codeError(NativeTypeError,
        `The "id" argument must be of type string. Received ${specifier === null ? "null" : typeof specifier}`,
        "ERR_INVALID_ARG_TYPE");
    if (specifier === "")
      throw codeError(NativeTypeError, "The argument 'id' must be a non-empty string. Received ''",
        "ERR_INVALID_ARG_VALUE");
    const found = commonjsResolve(module.filename, specifier);
    if (found[0] === null || found[0] === undefined)
      throw codeError(NativeError,
        `Cannot find module '${specifier}'\nRequire stack:\n- ${module.filename}\n(${found[1]})`,
        "MODULE_NOT_FOUND");
    return found[0];
  }

  function makeRequire(module) {
    const require = function require(specifier) {
      const filename = resolveFrom(specifier, module);
      // A package's `browser` map can make a module empty.
      return filename === "" ? {} : load(filename, module).exports;
    };
    require.resolve = function resolve(specifier) { return resolveFrom(specifier, module); };
    require.cache = cache;
    require.main = mainModule;
    return require;
  }

  // Runs `module`'s function; a module that throws leaves the cache, so
  // that a later require tries again (Node).
  function run(module, fn) {
    cache[module.filename] = module;
    try {
      apply(fn, module.exports, [module.exports, module.require, module, module.filename, module.path]);
    } catch (e) {
      if (cache[module.filename] === module) delete cache[module.filename];
      throw e;
    }
    module.loaded = true;
  }

  // The function of a CommonJS file, or null if a file of unknown kind
  // has ES module syntax.
  function compile(filename, kind, text) {
    try {
      return commonjsCompile(text, filename);
    } catch (e) {
      if (kind === "detect" && e instanceof NativeSyntaxError) return null;
      throw e;
    }
  }

  function requireEsm(filename, cause) {
    return codeError(NativeError,
      `require() of ES module ${filename} is not supported: use import or import() instead`,
      "ERR_REQUIRE_ESM", cause);
  }

  function load(filename, parent) {
    const cached = cache[filename];
    if (cached !== undefined) return cached;
    const [kind, text] = commonjsRead(filename);
    if (kind === "module") throw requireEsm(filename);
    const module = newModule(filename, parent);
    if (kind === "json") {
      try {
        module.exports = parse(text);
      } catch (e) {
        e.message = `${filename}: ${e.message}`;
        throw e;
      }
      module.loaded = true;
      cache[filename] = module;
      return module;
    }
    const fn = compile(filename, "commonjs", text);
    run(module, fn);
    return module;
  }

  // The text of the ES module that stands for a CommonJS module whose
  // `module.exports` is `exports`: `default` is `module.exports`, and
  // each own enumerable name that is an identifier is a named export,
  // read once when the ES module runs (a getter that throws gives
  // undefined).
  function facadeText(exports) {
    let text = "const m = import.meta.commonjs;\nexport default m;\n" +
      "function get(k) { try { return m[k]; } catch { return undefined; } }\n";
    if ((typeof exports === "object" && exports !== null) || typeof exports === "function") {
      let names;
      try { names = keys(exports); } catch { names = []; }
      let i = 0;
      for (const name of names) {
        if (name === "default" || !test(identifier, name)) continue;
        text += `const e${i} = get("${name}");\nexport { e${i} as ${name} };\n`;
        i++;
      }
    }
    return text;
  }

  // What npm code written for bundlers expects to find in a browser:
  // `global`, and a `process` shaped as the one browserify and webpack 4
  // put there (the npm package `process`): `browser` is true, `env` holds
  // only NODE_ENV (from the environment, if set: builds read
  // `process.env.NODE_ENV`; nothing else of the environment is exposed),
  // no `versions.node` (so Node detection says no), `nextTick` as a
  // microtask, and event methods that do nothing.
  const env = {};
  if (typeof host.nodeEnv === "string") env.NODE_ENV = host.nodeEnv;
  const queue = queueMicrotask;
  const process = {
    title: "browser",
    browser: true,
    env,
    argv: [],
    execArgv: [],
    version: "",
    versions: {},
    platform: "browser",
    nextTick(fn, ...args) {
      if (typeof fn !== "function") throw new NativeTypeError("process.nextTick: the callback must be a function");
      queue(() => apply(fn, undefined, args));
    },
    cwd() { return "/"; },
    chdir() { throw new NativeError("process.chdir is not supported"); },
    umask() { return 0; },
    binding() { throw new NativeError("process.binding is not supported"); },
    listeners() { return []; },
  };
  for (const name of ["on", "addListener", "once", "off", "removeListener", "removeAllListeners",
    "emit", "prependListener", "prependOnceListener"])
    process[name] = function () { return process; };
  for (const [name, value] of [["process", process], ["global", globalThis]])
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });

  internal.commonjs = freeze({
    // For the module loader: [module.exports, facade text] of the
    // CommonJS file `filename`, run now if it has not run, or null if it
    // is an ES module after all.
    importFacade(filename, kind, text) {
      let module = cache[filename];
      if (module === undefined) {
        const fn = compile(filename, kind, text);
        if (fn === null) return null;
        module = newModule(filename, null);
        run(module, fn);
      }
      return [module.exports, facadeText(module.exports)];
    },
    // A `.cjs` main script: it is `require.main`.
    runMain(filename, text) {
      const module = newModule(filename, null);
      module.id = ".";
      mainModule = module;
      module.require.main = module;
      run(module, compile(filename, "commonjs", text));
    },
  });
})
