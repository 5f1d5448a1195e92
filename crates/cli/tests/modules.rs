//! ES module types: JSON modules (HTML `#creating-a-json-module-script`)
//! next to JavaScript ones, chosen by the import's `type` attribute.

mod common;
use common::{run_ok, scratch, write_tree};

#[test]
fn json_modules_need_their_type_attribute_and_give_the_parsed_value_as_default() {
    let dir = scratch("json-modules");
    write_tree(
        &dir,
        &[
            ("data.json", r#"{"list": [1, 2, 3], "name": "x"}"#),
            ("bad.json", "{not json"),
            (
                "worker.mjs",
                "import data from './data.json' with { type: 'json' };\npostMessage(data.list.length);\n",
            ),
            (
                "main.mjs",
                "import data from './data.json' with { type: 'json' };\n\
                 const ns = await import('./data.json', { with: { type: 'json' } });\n\
                 console.log(data.list.join(), ns.default === data, Object.keys(ns).join());\n\
                 const show = async (p) => { try { await p; console.log('loaded'); } catch (e) { console.log(e.name, e.message.replace(/^Error loading module '[^']*': /, '')); } };\n\
                 await show(import('./data.json'));\n\
                 await show(import('./bad.json', { with: { type: 'json' } }));\n\
                 await show(import('./data.json', { with: { type: 'css' } }));\n\
                 const fromData = await import('data:application/json,[7]', { with: { type: 'json' } });\n\
                 console.log(fromData.default[0]);\n\
                 const w = new Worker(new URL('./worker.mjs', import.meta.url), { type: 'module' });\n\
                 w.onmessage = (e) => { console.log('worker', e.data); w.terminate(); };\n",
            ),
        ],
    );
    let stdout = run_ok(&dir.join("main.mjs"));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "1,2,3 true default");
    assert_eq!(
        lines[1],
        "TypeError a JSON module needs the import attribute { type: \"json\" }"
    );
    assert!(lines[2].starts_with("SyntaxError"), "{stdout}");
    assert_eq!(lines[3], "TypeError \"css\" is not a valid module type");
    assert_eq!(&lines[4..], ["7", "worker 3"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn modules_of_packages_import_relative_paths_without_extensions_as_bundlers_do() {
    let dir = scratch("extensionless");
    write_tree(
        &dir,
        &[
            // A build for bundlers (rxjs's `esm5`): extensionless and
            // directory imports between the package's own modules.
            (
                "node_modules/bundled/package.json",
                r#"{"exports": {".": {"node": "./cjs/index.js", "default": "./esm/index.js"}}}"#,
            ),
            (
                "node_modules/bundled/esm/index.js",
                "export { value } from './internal/value';\nexport { other } from './other';\n",
            ),
            ("node_modules/bundled/esm/internal/value.js", "export const value = 'v';\n"),
            ("node_modules/bundled/esm/other/index.js", "export const other = 'o';\n"),
            ("node_modules/bundled/cjs/index.js", "exports.value = 'node build';\n"),
            ("own.js", "export const own = 1;\n"),
            (
                "main.mjs",
                "import { value, other } from 'bundled';\n\
                 console.log(value, other);\n\
                 try { await import('./own'); console.log('loaded'); } catch (e) { console.log(e.name); }\n",
            ),
        ],
    );
    // A user's own module names its files exactly, as in a browser.
    assert_eq!(run_ok(&dir.join("main.mjs")), "v o\nTypeError\n");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn imports_of_and_from_packages_follow_their_browser_maps() {
    let dir = scratch("browser-imports");
    write_tree(
        &dir,
        &[
            // An ES package whose Node files are replaced for a browser.
            (
                "node_modules/iso/package.json",
                r#"{"type": "module", "main": "index.js", "browser": {"./index.js": "./browser.js", "./node-only.js": false, "worker_threads": false}}"#,
            ),
            ("node_modules/iso/index.js", "export const kind = 'node';\n"),
            (
                "node_modules/iso/browser.js",
                "import wt from 'worker_threads';\nimport empty from './node-only.js';\n\
                 export const kind = 'browser';\nexport const stubs = JSON.stringify([wt, empty]);\n",
            ),
            ("node_modules/iso/node-only.js", "throw new Error('never run');\n"),
            (
                "main.mjs",
                "import { kind, stubs } from 'iso';\nconsole.log(kind, stubs);\n",
            ),
        ],
    );
    assert_eq!(run_ok(&dir.join("main.mjs")), "browser [{},{}]\n");
    std::fs::remove_dir_all(&dir).unwrap();
}
