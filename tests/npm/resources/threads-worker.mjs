// A threads.js worker (a module worker).
import { expose } from "threads/worker";
expose({ add(a, b) { return a + b; }, fail() { throw new Error("worker fail"); } });
