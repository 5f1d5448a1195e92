let got = 0;
onmessage = (e) => {
  if (e.data.state.issues.length !== 400) throw new Error("bad copy");
  if (++got === e.data.n) { got = 0; postMessage("done"); }
};
