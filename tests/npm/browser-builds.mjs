// Packages written for bundlers and browsers: readable-stream, buffer and
// events (browserify's Node polyfills; readable-stream swaps its Node entry
// for a browser one through its package's `browser` map, and reads
// `process`), yjs (CRDT updates sent through a port) and fflate (its
// asynchronous API compresses in workers it makes from blob URLs).
import { Readable, Transform, pipeline } from "readable-stream";
import { Buffer } from "buffer";
import { EventEmitter } from "events";
import * as Y from "yjs";
import { gzip, gunzipSync, strToU8, strFromU8 } from "fflate";
import { check, equal, within } from "./check.js";

const upper = new Transform({ transform(chunk, _enc, cb) { cb(null, String(chunk).toUpperCase()); } });
const seen = [];
await within(new Promise((resolve, reject) => pipeline(Readable.from(["a", "b", "c"]), upper,
  new Transform({ transform(chunk, _enc, cb) { seen.push(String(chunk)); cb(); } }), (err) => err ? reject(err) : resolve())), 60000, "a pipeline");
equal(seen.join(""), "ABC", "readable-stream's pipeline");
equal(Buffer.from("hello").toString("base64"), "aGVsbG8=", "buffer");
equal(Buffer.concat([Buffer.from([1, 2]), Buffer.from([3])]).readUInt16BE(1), 0x0203, "buffer reads");
const ee = new EventEmitter();
let got = 0;
ee.once("x", (v) => { got += v; });
ee.emit("x", 5); ee.emit("x", 5);
equal(got, 5, "events: once");

const a = new Y.Doc(), b = new Y.Doc();
const { port1, port2 } = new MessageChannel();
let updates = 0;
const synced = new Promise((resolve) => {
  port2.onmessage = (e) => { Y.applyUpdate(b, e.data); if (++updates === 2) resolve(); };
});
a.on("update", (u) => port1.postMessage(u, [u.buffer]));
a.getText("t").insert(0, "hello");
a.getMap("m").set("k", [1, 2]);
await within(synced, 60000, "two yjs updates");
equal(b.getText("t").toString(), "hello", "yjs text through a port");
equal(JSON.stringify(b.getMap("m").toJSON()), '{"k":[1,2]}', "yjs map through a port");
port1.close(); port2.close();

const text = "msgport ".repeat(5000);
const zipped = await within(new Promise((resolve, reject) => gzip(strToU8(text), (err, data) => err ? reject(err) : resolve(data))), 60000, "gzip in a worker");
check(zipped.length < text.length / 10, "compressed");
equal(strFromU8(gunzipSync(zipped)), text, "fflate round trip");
console.log("ok readable-stream, buffer, events, yjs, fflate");
