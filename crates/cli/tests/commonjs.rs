//! CommonJS packages from npm, imported and required as Node runs them
//! (`runtime/commonjs.rs`, `prelude/commonjs.js`).

mod common;
use common::{run_ok, scratch, write_tree};

#[test]
fn an_import_of_a_commonjs_package_gets_module_exports_as_default_and_its_names() {
    let dir = scratch("cjs-import");
    write_tree(
        &dir,
        &[
            ("node_modules/emitter/package.json", r#"{"main": "index"}"#),
            (
                "node_modules/emitter/index.js",
                // Sloppy mode (an undeclared assignment), `this` is
                // `module.exports`, a named export added to a function.
                "'no strict';\nleaked = 1;\nfunction Emitter() { this.n = 0; }\n\
                 Emitter.prototype.emit = function () { return ++this.n; };\n\
                 Emitter.helper = function () { return this === Emitter; };\n\
                 module.exports = Emitter;\n\
                 module.exports.topThis = this === exports;\n",
            ),
            ("node_modules/umd/package.json", r#"{"main": "dist/umd.js"}"#),
            (
                "node_modules/umd/dist/umd.js",
                "(function (root, factory) {\n\
                 if (typeof define === 'function' && define.amd) define([], factory);\n\
                 else if (typeof module === 'object' && module.exports) module.exports = factory();\n\
                 else root.umd = factory();\n\
                 })(this, function () { return { add: (a, b) => a + b, 'not-an-identifier': 1, class: 'kept' }; });\n",
            ),
            ("node_modules/esm-in-js/package.json", r#"{"main": "index.js"}"#),
            ("node_modules/esm-in-js/index.js", "export const kind = 'esm';\n"),
            (
                "main.mjs",
                "import Emitter, { helper, topThis } from 'emitter';\n\
                 import * as umd from 'umd';\n\
                 import { kind } from 'esm-in-js';\n\
                 const e = new Emitter(); e.emit();\n\
                 console.log(e.emit(), helper.call(Emitter), topThis, globalThis.leaked);\n\
                 console.log(umd.add(2, 3), umd.default.add === umd.add, umd.class, 'not-an-identifier' in umd, umd.default['not-an-identifier']);\n\
                 console.log(kind);\n\
                 const again = await import('emitter');\n\
                 console.log(again.default === Emitter);\n",
            ),
        ],
    );
    assert_eq!(
        run_ok(&dir.join("main.mjs")),
        "2 true true 1\n5 true kept false 1\nesm\ntrue\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn require_finds_files_directories_json_packages_and_keeps_one_module_per_file() {
    let dir = scratch("cjs-require");
    write_tree(
        &dir,
        &[
            (
                "node_modules/lib/package.json",
                r#"{"exports": {".": {"import": "./esm.mjs", "require": "./cjs/index.js"}, "./data": "./data.json"}}"#,
            ),
            ("node_modules/lib/esm.mjs", "export default 'esm';"),
            (
                "node_modules/lib/cjs/index.js",
                "const util = require('./util');\n\
                 const same = require('../cjs/./util.js');\n\
                 exports.same = util === same;\n\
                 exports.index = require('./dir').name;\n\
                 exports.counted = util.count();\n\
                 exports.dep = require('dep').dep;\n",
            ),
            (
                "node_modules/lib/cjs/util.js",
                "let n = 0; exports.count = () => ++n;",
            ),
            ("node_modules/lib/cjs/dir/index.js", "exports.name = 'dir';"),
            ("node_modules/lib/data.json", r#"{"answer": 42}"#),
            // A package of the package, in its own node_modules.
            (
                "node_modules/lib/node_modules/dep/index.js",
                "exports.dep = 'nested';",
            ),
            (
                "main.cjs",
                "const lib = require('lib');\n\
                 console.log(lib.same, lib.index, lib.counted, lib.dep);\n\
                 console.log(require('lib/data').answer, require('lib/data') === require('lib/data'));\n\
                 console.log(require.resolve('lib').endsWith('/node_modules/lib/cjs/index.js'));\n\
                 console.log(require.main === module, module.id, typeof __dirname, __filename.endsWith('main.cjs'));\n",
            ),
        ],
    );
    assert_eq!(
        run_ok(&dir.join("main.cjs")),
        "true dir 1 nested\n42 true\ntrue\ntrue . string true\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cycles_give_partial_exports_and_a_module_that_throws_is_not_cached() {
    let dir = scratch("cjs-cycles");
    write_tree(
        &dir,
        &[
            (
                "a.cjs",
                "exports.early = 'a-early';\nconst b = require('./b.cjs');\nexports.late = 'a-late';\nexports.fromB = b.sawA;",
            ),
            (
                "b.cjs",
                "const a = require('./a.cjs');\nexports.sawA = [a.early, a.late].join('|');",
            ),
            (
                "flaky.cjs",
                "globalThis.tries = (globalThis.tries || 0) + 1;\nif (tries === 1) throw new RangeError('first time');\nexports.ok = tries;",
            ),
            (
                "main.cjs",
                "console.log(require('./a.cjs').fromB);\n\
                 try { require('./flaky.cjs'); } catch (e) { console.log(e.name, e.message); }\n\
                 console.log(require('./flaky.cjs').ok, require('./flaky.cjs').ok);\n\
                 const key = require.resolve('./flaky.cjs');\n\
                 delete require.cache[key];\n\
                 console.log(require('./flaky.cjs').ok);\n",
            ),
        ],
    );
    assert_eq!(
        run_ok(&dir.join("main.cjs")),
        "a-early|\nRangeError first time\n2 2\n3\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn errors_are_nodes_typed_errors_and_stacks_name_the_file_and_line() {
    let dir = scratch("cjs-errors");
    write_tree(
        &dir,
        &[
            ("node_modules/only-esm/package.json", r#"{"type": "module", "main": "i.js"}"#),
            ("node_modules/only-esm/i.js", "export default 1;"),
            ("thrower.cjs", "\n\nfunction boom() { throw new Error('boom'); }\nmodule.exports = boom;"),
            (
                "main.cjs",
                "const show = (f) => { try { f(); } catch (e) { console.log(e.code, e.message.split('\\n')[0]); } };\n\
                 show(() => require('missing-package'));\n\
                 show(() => require('./missing-file'));\n\
                 show(() => require('fs'));\n\
                 show(() => require('node:path'));\n\
                 show(() => require('only-esm'));\n\
                 show(() => require(42));\n\
                 try { require('./thrower.cjs')(); } catch (e) { console.log(/at boom \\(.*thrower\\.cjs:3:\\d+\\)/.test(e.stack.split('\\n')[1])); }\n\
                 try { require('./thrower.cjs')(); } catch (e) { console.log(e.stack.includes('msgport:prelude')); }\n",
            ),
        ],
    );
    let real = std::fs::canonicalize(&dir).unwrap();
    let expected = format!(
        "MODULE_NOT_FOUND Cannot find module 'missing-package'\n\
         MODULE_NOT_FOUND Cannot find module './missing-file'\n\
         MODULE_NOT_FOUND Cannot find module 'fs'\n\
         MODULE_NOT_FOUND Cannot find module 'node:path'\n\
         ERR_REQUIRE_ESM require() of ES module {}/node_modules/only-esm/i.js is not supported: use import or import() instead\n\
         ERR_INVALID_ARG_TYPE The \"id\" argument must be of type string. Received number\n\
         true\n\
         false\n",
        real.display()
    );
    assert_eq!(run_ok(&dir.join("main.cjs")), expected);
    // The reason for a Node built-in is in the error's text.
    write_tree(
        &dir,
        &[("builtin.cjs", "try { require('worker_threads'); } catch (e) { console.log(e.message.includes('Node.js built-in')); }")],
    );
    assert_eq!(run_ok(&dir.join("builtin.cjs")), "true\n");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_packages_browser_field_replaces_and_empties_modules_for_require() {
    let dir = scratch("cjs-browser");
    write_tree(
        &dir,
        &[
            (
                "node_modules/iso/package.json",
                r#"{"main": "lib/index.js", "browser": {"./lib/impl.js": "./lib/impl.browser.js", "worker_threads": false, "./lib/node-only": false}}"#,
            ),
            (
                "node_modules/iso/lib/index.js",
                "exports.impl = require('./impl').name;\n\
                 exports.wt = require('worker_threads');\n\
                 exports.nodeOnly = require('./node-only.js');\n",
            ),
            ("node_modules/iso/lib/impl.js", "exports.name = 'node';"),
            ("node_modules/iso/lib/impl.browser.js", "exports.name = 'browser';"),
            ("node_modules/iso/lib/node-only.js", "throw new Error('never run');"),
            (
                "node_modules/entry/package.json",
                r#"{"main": "node.js", "browser": "browser.js"}"#,
            ),
            ("node_modules/entry/node.js", "module.exports = 'node';"),
            ("node_modules/entry/browser.js", "module.exports = 'browser';"),
            (
                "main.cjs",
                "const iso = require('iso');\n\
                 console.log(iso.impl, JSON.stringify(iso.wt), JSON.stringify(iso.nodeOnly), require('entry'));\n",
            ),
        ],
    );
    assert_eq!(run_ok(&dir.join("main.cjs")), "browser {} {} browser\n");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_users_own_js_stays_an_es_module_and_workers_import_commonjs_packages() {
    let dir = scratch("cjs-own");
    write_tree(
        &dir,
        &[
            // No package.json: a user's own file imported is a (strict)
            // module, as in a browser.
            ("own.js", "export let strict = false;\ntry { undeclared = 1; } catch { strict = true; }\n"),
            ("node_modules/counter/index.js", "let n = 0;\nmodule.exports = { next: () => ++n };\n"),
            (
                "worker.mjs",
                "import counter from 'counter';\ncounter.next();\npostMessage(counter.next());\n",
            ),
            (
                "main.mjs",
                "import { strict } from './own.js';\n\
                 import counter from 'counter';\n\
                 console.log(strict, counter.next());\n\
                 const w = new Worker(new URL('./worker.mjs', import.meta.url), { type: 'module' });\n\
                 w.onmessage = (e) => { console.log('worker', e.data); w.terminate(); };\n",
            ),
        ],
    );
    assert_eq!(run_ok(&dir.join("main.mjs")), "true 1\nworker 2\n");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn process_and_global_are_there_as_bundlers_give_them_to_browser_code() {
    let dir = scratch("cjs-process");
    write_tree(
        &dir,
        &[
            // `debug`'s way to choose its browser build.
            (
                "node_modules/detect/index.js",
                "if (typeof process === 'undefined' || process.type === 'renderer' || process.browser === true) module.exports = 'browser';\n\
                 else module.exports = require('./node.js');\n",
            ),
            ("node_modules/detect/node.js", "module.exports = require('tty') && 'node';"),
            (
                "main.mjs",
                "import detect from 'detect';\n\
                 const isNode = typeof process !== 'undefined' && process.versions != null && process.versions.node != null;\n\
                 console.log(detect, isNode, process.env.NODE_ENV, Object.keys(process.env).join(), global === globalThis);\n\
                 const order = [];\n\
                 process.nextTick((a, b) => order.push(a + b), 1, 2);\n\
                 await null;\n\
                 console.log(order.join(), process.on('exit', () => {}) === process, process.cwd());\n\
                 console.log(Object.keys(globalThis).includes('process'));\n",
            ),
        ],
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_msgport"))
        .args(["run", dir.join("main.mjs").to_str().unwrap()])
        .env("NODE_ENV", "production")
        .env("SECRET_TOKEN", "not for scripts")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "browser false production NODE_ENV true\n3 true /\nfalse\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_main_scripts_package_type_chooses_commonjs_or_module_and_no_type_a_classic_script() {
    let dir = scratch("cjs-main-type");
    let probe = "console.log(typeof require, typeof module, this === undefined);\n";
    write_tree(
        &dir,
        &[
            ("cjs/package.json", r#"{"type": "commonjs"}"#),
            ("cjs/main.js", probe),
            ("esm/package.json", r#"{"type": "module"}"#),
            ("esm/main.js", probe),
            (
                "plain/main.js",
                "console.log(typeof require, typeof module, this === globalThis);\n",
            ),
        ],
    );
    let run = |main: &str| run_ok(&dir.join(main));
    assert_eq!(run("cjs/main.js"), "function object false\n");
    assert_eq!(run("esm/main.js"), "undefined undefined true\n");
    assert_eq!(
        run("plain/main.js"),
        "undefined undefined true\n",
        "a web page's classic script"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
