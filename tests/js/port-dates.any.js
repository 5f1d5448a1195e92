// Dates through a MessagePort (HTML #structuredserializeinternal: a Date's
// [[DateValue]]; #structureddeserialize: a new Date with it). msgport's
// direct wire reads the slot through the built-in, never a script's
// replacement, and keeps a Date sent twice one Date.

promise_test(async () => {
  const shared = new Date(1700000000123);
  class Later extends Date {}
  const originalGetTime = Date.prototype.getTime;
  const originalValueOf = Date.prototype.valueOf;
  // A script's replacements must not be what the clone reads.
  Date.prototype.getTime = function () { return 1; };
  Date.prototype.valueOf = function () { return 2; };
  let got;
  try {
    got = await new Promise((resolve) => {
      const { port1, port2 } = new MessageChannel();
      port2.onmessage = (e) => { port1.close(); resolve(e.data); };
      port1.postMessage({ a: shared, b: [shared], c: new Later(-5), d: new Date(NaN), e: new Date(8.64e15) });
    });
  } finally {
    Date.prototype.getTime = originalGetTime;
    Date.prototype.valueOf = originalValueOf;
  }
  assert_true(got.a instanceof Date);
  assert_equals(got.a.getTime(), 1700000000123);
  assert_equals(got.b[0], got.a, "a Date sent twice arrives once");
  assert_equals(Object.getPrototypeOf(got.c), Date.prototype, "a subclass arrives as a Date");
  assert_equals(got.c.getTime(), -5);
  assert_true(Number.isNaN(got.d.getTime()), "an invalid Date stays invalid");
  assert_equals(got.e.getTime(), 8.64e15, "the largest time value");
}, "Dates: their time values, sharing, subclasses, invalid dates");
