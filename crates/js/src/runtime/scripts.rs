//! Evaluating a context's script (HTML "create a classic script", "run
//! a classic script", and a module script's graph): the main script, and a
//! worker's, whose failure to parse or link is told apart from an
//! exception it throws as it runs (HTML `#run-a-worker`).

#![forbid(unsafe_code)]

use super::{host, modules, report, JsRuntime};
use rquickjs::context::EvalOptions;
use rquickjs::{CatchResultExt, Ctx, Function, Module, Persistent};

impl JsRuntime {
    pub(crate) fn eval_classic(&self, name: &str, source: &str) {
        self.ctx.with(|ctx| {
            let mut opts = EvalOptions::default();
            opts.strict = false;
            opts.filename = Some(name.to_string());
            let r = ctx.eval_with_options::<(), _>(source, opts).catch(&ctx);
            self.report(&ctx, r);
        });
    }

    /// A `.cjs` main script: a CommonJS module (`prelude/commonjs.js`),
    /// `require.main`, named by its real path as Node names it.
    pub(crate) fn eval_commonjs_main(&self, path: &std::path::Path, source: &str) {
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.ctx.with(|ctx| {
            let r = (|| -> rquickjs::Result<()> {
                let commonjs: rquickjs::Object =
                    host::internal(&ctx, &self.host)?.get("commonjs")?;
                let run: Function = commonjs.get("runMain")?;
                run.call((path.to_string_lossy().as_ref(), source))
            })()
            .catch(&ctx);
            self.report(&ctx, r);
        });
    }

    /// A dedicated or shared worker's classic script: `Err` with the text
    /// to report if it does not parse (then it never runs, and its Worker
    /// object gets a plain `error` event: HTML `#run-a-worker`); an
    /// exception it throws as it runs is reported as any other.
    pub(crate) fn eval_worker_script(&self, url: &str, source: &str) -> Result<(), String> {
        self.ctx.with(
            |ctx| match crate::engine::ffi::compile_and_run_script(&ctx, source, url) {
                Ok(ran) => {
                    self.report(&ctx, ran.catch(&ctx));
                    Ok(())
                }
                Err(e) => Err(Self::failure_text(&ctx, e)),
            },
        )
    }

    /// What a script that could not start is reported as.
    fn failure_text(ctx: &Ctx<'_>, e: rquickjs::Error) -> String {
        let e = Err::<(), _>(e).catch(ctx).unwrap_err();
        report::describe_value(ctx, &report::describe(ctx, &e))
    }

    /// A module worker's script: `Err` with the text to report if it, or
    /// a module it imports, cannot be fetched, parsed or linked (then it
    /// never runs: HTML `#run-a-worker`, as for a classic script that does
    /// not parse); an exception it throws as it runs is reported as any
    /// other.
    pub(crate) fn eval_worker_module(&self, url: &str, source: &str) -> Result<(), String> {
        self.ctx.with(|ctx| {
            let started = (|| -> rquickjs::Result<_> {
                // (A module worker has no importScripts.)
                host::internal(&ctx, &self.host)?.set("moduleWorker", true)?;
                let m = Module::declare(ctx.clone(), url, source)?;
                modules::set_meta(&ctx, &m.meta()?, url)?;
                Ok(m.eval()?.1)
            })();
            match started {
                Ok(promise) => {
                    let r = self.await_module(&ctx, url, promise);
                    self.report(&ctx, r.catch(&ctx));
                    Ok(())
                }
                Err(e) => Err(Self::failure_text(&ctx, e)),
            }
        })
    }

    /// Keeps a module's evaluation promise (to tell an unsettled top-level
    /// await) and reports its rejection.
    fn await_module<'js>(
        &self,
        ctx: &Ctx<'js>,
        url: &str,
        promise: rquickjs::Promise<'js>,
    ) -> rquickjs::Result<()> {
        self.state.borrow_mut().main_module =
            Some((url.to_string(), Persistent::save(ctx, promise.clone())));
        let internal = host::internal(ctx, &self.host)?;
        let report: Function = internal.get("reportException")?;
        let then: Function = ctx.eval("(p, r) => { p.then(undefined, r); }")?;
        then.call::<_, ()>((promise, report))
    }

    pub(super) fn eval_module(&self, url: &str, source: &str) {
        self.ctx.with(|ctx| {
            let r = (|| -> rquickjs::Result<()> {
                let m = Module::declare(ctx.clone(), url, source)?;
                modules::set_meta(&ctx, &m.meta()?, url)?;
                let (_, promise) = m.eval()?;
                self.await_module(&ctx, url, promise)
            })()
            .catch(&ctx);
            self.report(&ctx, r);
        });
    }
}
