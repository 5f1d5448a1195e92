// comlink with a module SharedWorker: two connections (two SharedWorker
// objects for one URL) reach the one worker through their ports, and
// share its state.
import * as Comlink from "comlink";
import { equal, within } from "./check.js";

const url = new URL("./resources/comlink-shared-worker.js", import.meta.url);
const first = Comlink.wrap(new SharedWorker(url, { type: "module" }).port);
const second = Comlink.wrap(new SharedWorker(url, { type: "module" }).port);
equal(await within(first.visit(), 60000, "the first visit"), 1, "the first connection");
equal(await second.visit(), 2, "the second connection sees the same worker");
equal(await first.visit(), 3, "and the first again");
first[Comlink.releaseProxy]();
second[Comlink.releaseProxy]();
console.log("ok comlink with a module SharedWorker");
