let got = 0;
onmessage = (e) => { if (++got === 300_000) postMessage(got); };
