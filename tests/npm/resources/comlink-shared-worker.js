import * as Comlink from "comlink";

let visits = 0;
onconnect = (e) => {
  Comlink.expose({ visit: () => ++visits }, e.ports[0]);
};
