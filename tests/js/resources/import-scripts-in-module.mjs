let got;
try { importScripts("./throws-once.js"); got = "no exception"; } catch (e) { got = e.name; }
postMessage(got);
