//! `console`: the Console Standard's Formatter and logger methods, and
//! values shown as Node's console shows them for the common cases (each
//! expected line below is what Node 20 prints for the same call).

use msgport_js::run_captured;

fn out(src: &str) -> String {
    let r = run_captured(src);
    assert_eq!(r.exit_code, 0, "stderr: {}", r.stderr);
    r.stdout
}

#[test]
fn values_inside_structures_are_shown_like_nodes_console() {
    let cases: &[(&str, &str)] = &[
        ("{ a: 1, b: 'x', c: [1, 2, { d: null }] }", "{ a: 1, b: 'x', c: [ 1, 2, { d: null } ] }"),
        ("[1, 'two', [3, [4, [5, [6]]]]]", "[ 1, 'two', [ 3, [ 4, [Array] ] ] ]"),
        ("[-0, 1e21, 123n, NaN]", "[ -0, 1e+21, 123n, NaN ]"),
        ("Object.create(null)", "[Object: null prototype] {}"),
        ("new (class Foo { constructor() { this.x = 1; } })()", "Foo { x: 1 }"),
        ("['a\\nb', \"q'uote\"]", "[ 'a\\nb', \"q'uote\" ]"),
        ("[, 1, , , 2]", "[ <1 empty item>, 1, <2 empty items>, 2 ]"),
        ("(() => { const o = { n: 1 }; o.self = o; return o; })()", "<ref *1> { n: 1, self: [Circular *1] }"),
        ("({ 'key with space': 1, valid_id: 2, 3: 4 })", "{ '3': 4, 'key with space': 1, valid_id: 2 }"),
        ("({ a: { b: { c: {} } } })", "{ a: { b: { c: {} } } }"),
        ("({ a: { b: { c: { d: 1 } } } })", "{ a: { b: { c: [Object] } } }"),
        ("({ a: { b: { c: { d: {} } } } })", "{ a: { b: { c: [Object] } } }"),
        ("new Map([[1, { a: 1 }]])", "Map(1) { 1 => { a: 1 } }"),
        ("new Set(['a'])", "Set(1) { 'a' }"),
        ("new Uint8Array([1, 2, 3])", "Uint8Array(3) [ 1, 2, 3 ]"),
        ("new ArrayBuffer(4)", "ArrayBuffer { [Uint8Contents]: <00 00 00 00>, byteLength: 4 }"),
        ("[function foo() {}, class Bar {}, async () => {}, function* g() {}]",
         "[\n  [Function: foo],\n  [class Bar],\n  [AsyncFunction (anonymous)],\n  [GeneratorFunction: g]\n]"),
        ("({ get x() { return 1; }, set y(v) {}, get z() { return 1; }, set z(v) {} })",
         "{ x: [Getter], y: [Setter], z: [Getter/Setter] }"),
        ("[new Number(3), new String('ab'), new Boolean(false)]", "[ [Number: 3], [String: 'ab'], [Boolean: false] ]"),
        ("({ [Symbol('sym')]: 1, 'a-b': 2 })", "{ 'a-b': 2, [Symbol(sym)]: 1 }"),
        ("new WeakMap()", "WeakMap { <items unknown> }"),
        // Kinds by their internal slots, not their prototype chains (as Node):
        // an object whose prototype is a Map or a typed array is no Map.
        ("Object.create(new Map([[1, 2]]))", "Map {}"),
        ("Object.create(new Uint8Array(2))", "Uint8Array {}"),
        ("Object.create(new Date(0))", "Date {}"),
        ("Object.setPrototypeOf(new Map([[1, 2]]), null)", "[Map(1): null prototype] { 1 => 2 }"),
        ("Object.setPrototypeOf(new Set(), null)", "[Set(0): null prototype] {}"),
        ("new (class S extends Set { get size() { return 99; } })([1])", "S(1) [Set] { 1 }"),
        ("[new Date(0), new Date(NaN), /x/g]", "[ 1970-01-01T00:00:00.000Z, Invalid Date, /x/g ]"),
        ("({ longpropertyname1: 'aaaaaaaaaaaaa', longpropertyname2: 'bbbbbbbbbbbbbbb', longpropertyname3: 'ccccccccccccc' })",
         "{\n  longpropertyname1: 'aaaaaaaaaaaaa',\n  longpropertyname2: 'bbbbbbbbbbbbbbb',\n  longpropertyname3: 'ccccccccccccc'\n}"),
        ("[1, 2, 3, 4, 5, 6, 7]", "[\n  1, 2, 3, 4,\n  5, 6, 7\n]"),
        ("['apple', 'banana', 'cherry', 'date', 'elderberry', 'fig', 'grape', 'honeydew']",
         "[\n  'apple',\n  'banana',\n  'cherry',\n  'date',\n  'elderberry',\n  'fig',\n  'grape',\n  'honeydew'\n]"),
        ("[1.5, 22, 333, 4444, 55555, 666666, 7777777, 88888888]",
         "[\n      1.5,       22,\n      333,     4444,\n    55555,   666666,\n  7777777, 88888888\n]"),
        ("{ list: [10, 20, 30, 40, 50, 60, 70, 80, 90] }",
         "{\n  list: [\n    10, 20, 30, 40, 50,\n    60, 70, 80, 90\n  ]\n}"),
        ("Array.from({ length: 120 }, (_, i) => i).slice(0, 30)",
         "[\n   0,  1,  2,  3,  4,  5,  6,  7,  8,\n   9, 10, 11, 12, 13, 14, 15, 16, 17,\n  18, 19, 20, 21, 22, 23, 24, 25, 26,\n  27, 28, 29\n]"),
    ];
    for (expr, expected) in cases {
        assert_eq!(
            out(&format!("console.log({expr});")),
            format!("{expected}\n"),
            "console.log({expr})"
        );
    }
}

#[test]
fn the_formatter_replaces_specifiers_in_order() {
    assert_eq!(
        out("console.log('%s is %d years', 'Bob', 42, 'extra');"),
        "Bob is 42 years extra\n"
    );
    assert_eq!(
        out("console.log('%i / %f / %d', '42.9px', '3.5e1', '7');"),
        "42 / 35 / 7\n"
    );
    assert_eq!(
        out("console.log('%O and %j', { b: 2 }, { c: 3 });"),
        "{ b: 2 } and {\"c\":3}\n"
    );
    assert_eq!(out("console.log('%c styled', 'color: red');"), " styled\n");
    assert_eq!(out("console.log('100%% sure', 5);"), "100% sure 5\n");
    assert_eq!(out("console.log('%s', 5n, '%d');"), "5n %d\n");
    assert_eq!(out("console.log('%x unknown', 1);"), "%x unknown 1\n");
}

#[test]
fn counting_grouping_timing_and_assertions() {
    let r = run_captured(
        r#"
        console.count(); console.count(); console.count("x"); console.countReset(); console.count();
        console.group("outer"); console.log("inside"); console.group(); console.log("deeper\nlines"); console.groupEnd(); console.groupEnd();
        console.log("after");
        console.assert(true, "never");
        console.assert(false, "failed %s", "here");
        console.assert(0);
        console.time("t"); console.timeEnd("t"); console.timeEnd("t");
        "#,
    );
    assert_eq!(
        r.stdout.lines().take(8).collect::<Vec<_>>(),
        [
            "default: 1",
            "default: 2",
            "x: 1",
            "default: 1",
            "outer",
            "  inside",
            "    deeper",
            "    lines"
        ]
    );
    assert!(r.stdout.contains("\nafter\n"));
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("t: ") && l.ends_with("ms")),
        "{}",
        r.stdout
    );
    assert_eq!(
        r.stderr,
        "Assertion failed: failed here\nAssertion failed\nTimer 't' does not exist\n"
    );
}

#[test]
fn an_uncaught_value_that_is_not_an_error_is_inspected() {
    let r = run_captured("throw { code: 7, why: ['x'] };");
    assert_eq!(r.exit_code, 1);
    assert!(
        r.stderr.contains("Uncaught { code: 7, why: [ 'x' ] }"),
        "{}",
        r.stderr
    );
}

#[test]
fn platform_objects_show_their_attributes() {
    // Node prints the same for these (its File lists size and type first).
    let cases: &[(&str, &str)] = &[
        (
            "new Blob(['ab'], { type: 'text/plain' })",
            "Blob { size: 2, type: 'text/plain' }",
        ),
        ("new Headers({ a: '1' })", "Headers { a: '1' }"),
        (
            "new URLSearchParams('a=1&b=2')",
            "URLSearchParams { 'a' => '1', 'b' => '2' }",
        ),
        ("new Headers()", "Headers {}"),
        (
            "({ nested: new Blob([]) })",
            "{ nested: Blob { size: 0, type: '' } }",
        ),
    ];
    for (expr, want) in cases {
        assert_eq!(
            out(&format!("console.log({expr})")),
            format!("{want}\n"),
            "{expr}"
        );
    }
    let event = out("console.log(new Event('x'))");
    assert!(event.starts_with("Event {\n  type: 'x',"), "{event}");
    assert!(
        event.contains("cancelable: false") && !event.contains("[Getter]"),
        "{event}"
    );
}

#[test]
fn proxies_are_shown_as_their_targets_without_running_traps() {
    // Node 20 prints the same two lines.
    assert_eq!(
        out("console.log(new Proxy({ a: 1 }, { get() { throw new Error('trap'); }, ownKeys() { throw new Error('trap'); } }));
             const r = Proxy.revocable({}, {}); r.revoke(); console.log(r.proxy);"),
        "{ a: 1 }\n<Revoked Proxy>\n"
    );
}

#[test]
fn text_with_lone_surrogates_is_printed_with_replacement_characters() {
    // Node writes a lone surrogate to stdout as U+FFFD.
    let s = "'a\\uD800b'";
    assert_eq!(out(&format!("console.log({s})")), "a\u{FFFD}b\n");
    assert_eq!(out(&format!("console.count({s})")), "a\u{FFFD}b: 1\n");
    assert_eq!(
        out(&format!("console.log(new Error({s}).message)")),
        "a\u{FFFD}b\n"
    );
    let r = run_captured(&format!("console.error({s}); throw new Error({s});"));
    assert_eq!(r.exit_code, 1);
    assert!(
        r.stderr
            .starts_with("a\u{FFFD}b\nUncaught Error: a\u{FFFD}b"),
        "{}",
        r.stderr
    );
}
