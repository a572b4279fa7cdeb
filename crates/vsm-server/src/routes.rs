//! The route table: every route is added here, as public, webhook or protected, and recorded,
//! so that tests can walk the table (every protected route refuses a request without
//! credentials, every webhook one a delivery without its source's signature or token; the
//! API's routes and its OpenAPI document name the same paths). Protected is the default way to
//! add a route: it passes through [`crate::auth::require_caller`].

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::from_fn_with_state;
use axum::routing::{MethodFilter, MethodRouter, on};

use crate::App;

/// One route: its method, its path (axum's syntax, `{stream}`), and who may call it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    /// Anyone, with no credentials at all.
    pub public: bool,
    /// A webhook sender, which proves itself by its source's signature or token instead of a
    /// user's credentials (its handler checks them before anything else).
    pub webhook: bool,
}

/// The router being built, with the table of what it holds.
#[derive(Debug)]
pub struct Table {
    app: App,
    router: Router<App>,
    routes: Vec<Route>,
}

impl Table {
    pub fn new(app: App) -> Self {
        Table {
            app,
            router: Router::new(),
            routes: Vec::new(),
        }
    }

    /// A route that anyone may call: only health checks, the sign-in page and static files.
    pub fn public<H, T>(self, method: Method, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, App>,
        T: 'static,
    {
        let route = on(filter(&method), handler);
        self.add(method, path, route, true, false)
    }

    /// A webhook: no user signs in; the handler refuses (401) any delivery that does not carry
    /// its source's signature or token, before it parses or stores anything.
    pub fn webhook<H, T>(self, method: Method, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, App>,
        T: 'static,
    {
        let route = on(filter(&method), handler);
        self.add(method, path, route, false, true)
    }

    /// A route for signed-in callers.
    pub fn protected<H, T>(self, method: Method, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, App>,
        T: 'static,
    {
        let route = on(filter(&method), handler).route_layer(from_fn_with_state(
            self.app.clone(),
            crate::auth::require_caller,
        ));
        self.add(method, path, route, false, false)
    }

    fn add(
        mut self,
        method: Method,
        path: &'static str,
        route: MethodRouter<App>,
        public: bool,
        webhook: bool,
    ) -> Self {
        self.routes.push(Route {
            method,
            path,
            public,
            webhook,
        });
        self.router = self.router.route(path, route);
        self
    }

    /// The router and its table.
    pub fn finish(self) -> (Router<App>, Vec<Route>) {
        (self.router, self.routes)
    }
}

fn filter(method: &Method) -> MethodFilter {
    MethodFilter::try_from(method.clone()).expect("routes use the standard methods")
}
