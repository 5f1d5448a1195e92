import "./no-such-module.mjs";
postMessage("ran");
