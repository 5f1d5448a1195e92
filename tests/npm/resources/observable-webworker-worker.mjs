// An observable-webworker worker doubling what it is sent.
import { runWorker } from "observable-webworker";
import { map } from "rxjs";
class Doubler { work(input$) { return input$.pipe(map((x) => x * 2)); } }
runWorker(Doubler);
