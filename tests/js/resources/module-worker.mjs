import { twice } from "./twice.mjs";
onmessage = (e) => postMessage(twice(e.data));
// An unhandled rejection is logged; the worker goes on.
Promise.reject(new Error("logged, not fatal"));
