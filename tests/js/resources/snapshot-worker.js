// Answers each message with what its listener saw of the event (the
// global's onmessage, or other listeners as the main script asks).
function snapshot(e, self_) {
  const d = Object.getOwnPropertyDescriptor(e, "isTrusted");
  return {
    data: e.data, type: e.type, isTrusted: e.isTrusted,
    ownIsTrusted: !!d && typeof d.get === "function" && d.enumerable && !d.configurable,
    proto: Object.getPrototypeOf(e) === MessageEvent.prototype,
    target: e.target === self, currentTarget: e.currentTarget === self, thisIsGlobal: self_ === self,
    phase: e.eventPhase, origin: e.origin, lastEventId: e.lastEventId, source: e.source,
    ports: Array.isArray(e.ports) && e.ports.length === 0 && Object.isFrozen(e.ports),
    bubbles: e.bubbles, cancelable: e.cancelable, stamp: typeof e.timeStamp === "number",
  };
}
let extra = 0;
onmessage = function (e) {
  const snap = snapshot(e, this);
  if (e.data === "add-listener") addEventListener("message", () => { extra++; });
  if (e.data === "handler-off") { onmessage = null; addEventListener("message", function (e2) { postMessage({ via: "listener", snap: snapshot(e2, this), extra }); }); }
  postMessage({ via: "handler", snap, extra });
};
