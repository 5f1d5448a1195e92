//! Worker threads (HTML `#workers`): a dedicated worker joined to its
//! creator by an implicit channel, a shared worker found by its URL and
//! name, each with a runtime of its own on a thread of its own.

#![forbid(unsafe_code)]

use crate::runtime::host::{HostTask, ParentLink, Shared, WorkerHandle};
use crate::runtime::signal::Signal;
use crate::runtime::{host, load_source, JsRuntime, Output, SharedOutput, WorkerInit, WorkerKind};
use msgport::MessageChannel;

/// `new Worker(url, {name, type})`: a thread with its own runtime, joined
/// to this context by the worker's implicit MessageChannel. Returns the
/// port id of the Worker object's side.
pub(crate) fn spawn_worker(
    host: &Shared,
    url: String,
    source: Option<String>,
    name: String,
    module: bool,
) -> u32 {
    let (outside, inside) = MessageChannel::new().into_ports();
    let mut st = host.borrow_mut();
    let id = st.register(outside);
    // A dedicated worker joins its owner's agent cluster.
    let signal = Signal::new(st.signal.group().clone(), st.signal.cluster());
    st.signal.adopt(&signal);
    let init = WorkerInit {
        url,
        source,
        name,
        module,
        signal,
        kind: WorkerKind::Dedicated {
            port: inside,
            parent: ParentLink {
                inbox: st.inbox.clone(),
                port: id,
            },
        },
    };
    st.workers
        .insert(id, start_worker_thread("msgport-worker", init));
    id
}

/// Runs a worker on a thread of its own. A dedicated worker's thread tells
/// its parent when it ends, so that it is joined then. If no thread can be
/// had, the Worker (or SharedWorker) object gets an `error` event and the
/// worker's context ends at once (so the run is not kept waiting for it).
pub(crate) fn start_worker_thread(name: &str, init: WorkerInit) -> WorkerHandle {
    let signal = init.signal.clone();
    let (parent, exited) = match &init.kind {
        WorkerKind::Dedicated { parent, .. } => (parent.clone(), true),
        WorkerKind::Shared { creator, .. } => (creator.clone(), false),
    };
    let (url, worker) = (init.url.clone(), init.name.clone());
    let to_parent = parent.clone();
    let thread = std::thread::Builder::new()
        .name(name.into())
        .stack_size(16 << 20)
        .spawn(move || {
            JsRuntime::run_worker(init);
            if exited {
                to_parent.inbox.push(HostTask::WorkerExited {
                    port: to_parent.port,
                });
            }
        });
    let thread = match thread {
        Ok(t) => Some(t),
        Err(e) => {
            parent.inbox.push(HostTask::WorkerFailed {
                port: parent.port,
                text: format!("cannot start the worker {url}: no thread: {e}"),
                worker,
            });
            signal.end();
            None
        }
    };
    WorkerHandle { signal, thread }
}

/// `new SharedWorker(url, {name, type})` (HTML `#shared-workers-and-the-sharedworker-interface`):
/// a new MessageChannel whose inside port goes, as a `connect` event, to the
/// run's shared worker for (url, name), which is started if there is none.
/// Returns the port id of the outside port (`sharedWorker.port`).
pub(crate) fn spawn_shared_worker(
    host: &Shared,
    url: String,
    source: Option<String>,
    name: String,
    module: bool,
    credentials: &str,
) -> [u32; 2] {
    let (outside, inside) = MessageChannel::new().into_ports();
    let mut st = host.borrow_mut();
    let id = st.register(outside);
    // The SharedWorker object's own id, for an `error` if the script fails.
    let object = st.next_port;
    st.next_port += 1;
    let creator = ParentLink {
        inbox: st.inbox.clone(),
        port: object,
    };
    let group = st.signal.group().clone();
    let connected = group.connect_shared_worker(
        &url,
        &name,
        (module, credentials),
        inside,
        |inbox, signal| {
            let init = WorkerInit {
                url: url.clone(),
                source,
                name: name.clone(),
                module,
                signal,
                kind: WorkerKind::Shared { inbox, creator },
            };
            start_worker_thread("msgport-shared-worker", init)
        },
    );
    if !connected {
        // HTML #dom-sharedworker: a worker of that URL and name runs with
        // another type or credentials; an `error` event, no connection.
        st.inbox.push(host::HostTask::WorkerFailed {
            port: object,
            text: format!(
                "the shared worker {url} named {name:?} runs with another type or credentials"
            ),
            worker: name,
        });
    }
    [id, object]
}

impl JsRuntime {
    /// The body of a worker thread (HTML `#run-a-worker`).
    pub(crate) fn run_worker(init: WorkerInit) {
        let WorkerInit {
            url,
            source,
            name,
            module,
            signal,
            kind,
        } = init;
        let worker_name = name.clone();
        let (dedicated, shared, parent) = match kind {
            WorkerKind::Dedicated { port, parent } => {
                (Some((port, name, parent.clone())), None, Some(parent))
            }
            WorkerKind::Shared { inbox, creator } => (None, Some((name, inbox)), Some(creator)),
        };
        // A script that cannot be loaded or started is reported to the
        // Worker object, or to the SharedWorker object that started the
        // shared worker.
        let report_to_parent = |text: String| {
            if let Some(parent) = &parent {
                parent.inbox.push(host::HostTask::WorkerFailed {
                    port: parent.port,
                    text,
                    worker: worker_name.clone(),
                })
            }
        };
        // A worker writes where its run writes.
        let out = signal
            .group()
            .output()
            .unwrap_or_else(|| SharedOutput::new(Output::std()));
        let rt = match JsRuntime::build(out, signal.clone(), url.clone(), dedicated, shared) {
            Ok(rt) => rt,
            Err(e) => {
                // A worker terminated while starting ends quietly.
                if !signal.is_terminated() {
                    report_to_parent(format!("cannot start the worker: {e}"));
                }
                signal.end();
                return;
            }
        };
        let source = match source.map(Ok).unwrap_or_else(|| load_source(&url)) {
            Ok(s) => s,
            Err(e) => {
                report_to_parent(e);
                rt.shutdown();
                return;
            }
        };
        let started = if module {
            rt.eval_worker_module(&url, &source)
        } else {
            rt.eval_worker_script(&url, &source)
        };
        if let Err(text) = started {
            // It did not parse (or link): it never ran.
            report_to_parent(text);
            rt.shutdown();
            return;
        }
        // The worker's implicit port is enabled once its script has run.
        let id = rt.host.borrow().worker.as_ref().map(|w| w.0);
        if let Some(id) = id {
            rt.host.borrow().start_port(id);
        }
        rt.finish();
    }
}
