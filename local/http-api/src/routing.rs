//! Route selection as API Gateway HTTP APIs do it: `METHOD /path` or `ANY /path`, `{name}`
//! segments and a trailing greedy `{name+}`; the most specific path wins (literal segments before
//! parameters before a greedy parameter), and a route for the exact method shadows an `ANY` route
//! of the same path.
//!
//! A route whose path is `$default` is API Gateway's catch-all: it takes every request (any method,
//! any path, `/` included) that no other route matches, with route key `$default`.
//!
//! Matching is done by `matchit`. Parameters are registered under positional names (`p0`, `p1`, ...)
//! so that routes naming the same position differently (`/a/{id}` and `/a/{slug}/b`) never
//! collide inside the router; the template's own names are restored after a match.

use std::collections::{BTreeMap, HashMap, HashSet};

use percent_encoding::percent_decode_str;

use crate::config::RouteConfig;

/// A route template the router cannot take.
#[derive(Debug, thiserror::Error)]
pub enum RouteTableError {
    #[error("route `{route_key}`: {reason}")]
    InvalidTemplate { route_key: String, reason: String },
    #[error("there are two `$default` routes")]
    TwoDefaultRoutes,
    #[error("route `{route_key}` conflicts with another route: {source}")]
    Conflict {
        route_key: String,
        #[source]
        source: matchit::InsertError,
    },
}

/// One parsed route.
#[derive(Debug)]
struct CompiledRoute {
    /// `"<METHOD> <path template>"`, as `routeKey` carries it.
    route_key: String,
    /// The `matchit` pattern with positional parameter names.
    pattern: String,
    /// (positional name, template name) for each parameter.
    params: Vec<(String, String)>,
}

/// The routes of one API, ready to match requests.
#[derive(Debug)]
pub struct RouteTable {
    routes: Vec<CompiledRoute>,
    /// One router per method that has routes of its own; `ANY` routes are in each of them.
    by_method: HashMap<String, matchit::Router<usize>>,
    /// Only the `ANY` routes, for methods no route names.
    any: matchit::Router<usize>,
    /// The `$default` route, if there is one.
    default: Option<usize>,
}

const DEFAULT_ROUTE: &str = "$default";

/// The route a request matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch {
    /// Index into the configured routes.
    pub index: usize,
    pub route_key: String,
    /// Percent-decoded values by template name.
    pub path_parameters: BTreeMap<String, String>,
}

impl RouteTable {
    pub fn new(routes: &[RouteConfig]) -> Result<Self, RouteTableError> {
        let compiled = routes.iter().map(compile).collect::<Result<Vec<_>, _>>()?;
        let mut defaults = routes
            .iter()
            .enumerate()
            .filter(|(_, route)| route.path == DEFAULT_ROUTE)
            .map(|(index, _)| index);
        let default = defaults.next();
        if defaults.next().is_some() {
            return Err(RouteTableError::TwoDefaultRoutes);
        }

        let mut by_method: HashMap<String, matchit::Router<usize>> = HashMap::new();
        let mut patterns: HashMap<String, HashSet<String>> = HashMap::new();
        for (index, (route, config)) in compiled.iter().zip(routes).enumerate() {
            if config.method == "ANY" || Some(index) == default {
                continue;
            }
            let router = by_method.entry(config.method.clone()).or_default();
            insert(router, route, index)?;
            patterns
                .entry(config.method.clone())
                .or_default()
                .insert(route.pattern.clone());
        }

        let mut any = matchit::Router::new();
        for (index, (route, config)) in compiled.iter().zip(routes).enumerate() {
            if config.method != "ANY" || Some(index) == default {
                continue;
            }
            insert(&mut any, route, index)?;
            for (method, router) in &mut by_method {
                // A route for this very method and path takes precedence over `ANY`.
                let shadowed = patterns
                    .get(method)
                    .is_some_and(|taken| taken.contains(&route.pattern));
                if !shadowed {
                    insert(router, route, index)?;
                }
            }
        }

        Ok(Self {
            routes: compiled,
            by_method,
            any,
            default,
        })
    }

    /// The route for `method` (upper case) and the request's raw (still percent-encoded) path.
    pub fn find(&self, method: &str, raw_path: &str) -> Option<RouteMatch> {
        let router = self.by_method.get(method).unwrap_or(&self.any);
        let Ok(matched) = router.at(raw_path) else {
            let index = self.default?;
            return Some(RouteMatch {
                index,
                route_key: DEFAULT_ROUTE.to_owned(),
                path_parameters: BTreeMap::new(),
            });
        };
        let route = self.routes.get(*matched.value)?;
        let path_parameters = route
            .params
            .iter()
            .filter_map(|(positional, name)| {
                let raw = matched.params.get(positional)?;
                Some((
                    name.clone(),
                    percent_decode_str(raw).decode_utf8_lossy().into_owned(),
                ))
            })
            .collect();
        Some(RouteMatch {
            index: *matched.value,
            route_key: route.route_key.clone(),
            path_parameters,
        })
    }
}

fn insert(
    router: &mut matchit::Router<usize>,
    route: &CompiledRoute,
    index: usize,
) -> Result<(), RouteTableError> {
    router
        .insert(route.pattern.clone(), index)
        .map_err(|source| RouteTableError::Conflict {
            route_key: route.route_key.clone(),
            source,
        })
}

fn compile(config: &RouteConfig) -> Result<CompiledRoute, RouteTableError> {
    if config.path == DEFAULT_ROUTE {
        return Ok(CompiledRoute {
            route_key: DEFAULT_ROUTE.to_owned(),
            pattern: String::new(),
            params: Vec::new(),
        });
    }
    let route_key = format!("{} {}", config.method, config.path);
    let invalid = |reason: &str| RouteTableError::InvalidTemplate {
        route_key: route_key.clone(),
        reason: reason.to_owned(),
    };

    let valid_method = !config.method.is_empty()
        && config
            .method
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b == b'-' || b == b'_');
    if !valid_method {
        return Err(invalid(
            "the method must be an upper-case HTTP method or ANY",
        ));
    }
    let Some(rest) = config.path.strip_prefix('/') else {
        return Err(invalid("the path must start with `/`"));
    };

    let segments: Vec<&str> = rest.split('/').collect();
    let mut pattern = String::new();
    let mut params = Vec::new();
    let mut names = HashSet::new();
    for (position, segment) in segments.iter().enumerate() {
        pattern.push('/');
        let Some(inner) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
            if segment.contains(['{', '}']) {
                return Err(invalid(
                    "a path parameter must be a whole segment, like `/{name}`",
                ));
            }
            pattern.push_str(segment);
            continue;
        };
        let (name, greedy) = match inner.strip_suffix('+') {
            Some(name) => (name, true),
            None => (inner, false),
        };
        if name.is_empty() || name.contains(['{', '}', '+', '*']) {
            return Err(invalid("a path parameter needs a plain name"));
        }
        if greedy && position + 1 != segments.len() {
            return Err(invalid(
                "a greedy `{name+}` parameter must be the last segment",
            ));
        }
        if !names.insert(name) {
            return Err(invalid("a path parameter name is used twice"));
        }
        let positional = format!("p{position}");
        if greedy {
            pattern.push_str(&format!("{{*{positional}}}"));
        } else {
            pattern.push_str(&format!("{{{positional}}}"));
        }
        params.push((positional, name.to_owned()));
    }

    Ok(CompiledRoute {
        route_key,
        pattern,
        params,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: &str, path: &str) -> RouteConfig {
        RouteConfig {
            method: method.into(),
            path: path.into(),
            function: format!("{method} {path}"),
            authorizer: None,
            authorization_scopes: Vec::new(),
        }
    }

    fn table(routes: &[(&str, &str)]) -> RouteTable {
        let routes: Vec<_> = routes.iter().map(|(m, p)| route(m, p)).collect();
        RouteTable::new(&routes).expect("valid routes")
    }

    fn key(table: &RouteTable, method: &str, path: &str) -> Option<String> {
        table.find(method, path).map(|m| m.route_key)
    }

    #[test]
    fn literal_beats_parameter_beats_greedy() {
        let t = table(&[
            ("GET", "/pets/dog/1"),
            ("GET", "/pets/dog/{id}"),
            ("ANY", "/pets/{proxy+}"),
            ("ANY", "/{proxy+}"),
        ]);
        assert_eq!(
            key(&t, "GET", "/pets/dog/1").as_deref(),
            Some("GET /pets/dog/1")
        );
        assert_eq!(
            key(&t, "GET", "/pets/dog/2").as_deref(),
            Some("GET /pets/dog/{id}")
        );
        // The API Gateway documentation's own example: a method mismatch falls to the greedy route.
        assert_eq!(
            key(&t, "POST", "/pets/dog/1").as_deref(),
            Some("ANY /pets/{proxy+}")
        );
        assert_eq!(
            key(&t, "GET", "/pets/dog/1/extra").as_deref(),
            Some("ANY /pets/{proxy+}")
        );
        assert_eq!(key(&t, "GET", "/cats").as_deref(), Some("ANY /{proxy+}"));
        // A greedy parameter needs at least one character.
        assert_eq!(key(&t, "GET", "/"), None);
    }

    #[test]
    fn parameters_are_named_and_decoded() {
        let t = table(&[
            ("GET", "/events/{event}/cfps/{id}"),
            ("GET", "/files/{path+}"),
        ]);
        let m = t.find("GET", "/events/dev%20days/cfps/42").expect("match");
        assert_eq!(m.path_parameters["event"], "dev days");
        assert_eq!(m.path_parameters["id"], "42");
        let m = t.find("GET", "/files/a/b%2Fc.txt").expect("match");
        assert_eq!(m.path_parameters["path"], "a/b/c.txt");
    }

    #[test]
    fn different_names_at_one_position_do_not_collide() {
        let t = table(&[
            ("GET", "/events/{event}"),
            ("PUT", "/events/{slug}/team/{userId}"),
            ("GET", "/events/{e}/schedule"),
        ]);
        let m = t.find("GET", "/events/x/schedule").expect("match");
        assert_eq!(m.path_parameters.get("e").map(String::as_str), Some("x"));
        let m = t.find("PUT", "/events/x/team/u1").expect("match");
        assert_eq!(m.path_parameters["slug"], "x");
        assert_eq!(m.path_parameters["userId"], "u1");
    }

    #[test]
    fn exact_method_shadows_any_and_mismatch_is_none() {
        let t = table(&[("ANY", "/things"), ("GET", "/things"), ("POST", "/other")]);
        assert_eq!(key(&t, "GET", "/things").as_deref(), Some("GET /things"));
        assert_eq!(key(&t, "DELETE", "/things").as_deref(), Some("ANY /things"));
        assert_eq!(
            key(&t, "PROPFIND", "/things").as_deref(),
            Some("ANY /things")
        );
        assert_eq!(key(&t, "GET", "/other"), None);
        assert_eq!(key(&t, "POST", "/nothing"), None);
    }

    #[test]
    fn any_literal_beats_method_greedy() {
        let t = table(&[("GET", "/pets/{proxy+}"), ("ANY", "/pets/dog")]);
        assert_eq!(
            key(&t, "GET", "/pets/dog").as_deref(),
            Some("ANY /pets/dog")
        );
        assert_eq!(
            key(&t, "GET", "/pets/cat").as_deref(),
            Some("GET /pets/{proxy+}")
        );
    }

    #[test]
    fn default_route_takes_what_nothing_else_matches() {
        let t = table(&[("GET", "/pets/{id}"), ("ANY", "$default")]);
        assert_eq!(key(&t, "GET", "/pets/1").as_deref(), Some("GET /pets/{id}"));
        let m = t.find("POST", "/pets/1").expect("default");
        assert_eq!(m.route_key, "$default");
        assert_eq!(m.index, 1);
        assert!(m.path_parameters.is_empty());
        assert_eq!(key(&t, "GET", "/").as_deref(), Some("$default"));
        assert_eq!(key(&t, "DELETE", "/a/b/c").as_deref(), Some("$default"));

        let two = RouteTable::new(&[route("ANY", "$default"), route("GET", "$default")]);
        assert!(
            matches!(two, Err(RouteTableError::TwoDefaultRoutes)),
            "{two:?}"
        );
    }

    #[test]
    fn bad_templates_are_rejected() {
        for (method, path) in [
            ("GET", "events"),
            ("GET", "/a/{b+}/c"),
            ("GET", "/a/x{b}"),
            ("GET", "/a/{}"),
            ("GET", "/a/{b}/{b}"),
            ("get", "/a"),
            ("", "/a"),
        ] {
            let result = RouteTable::new(&[route(method, path)]);
            assert!(
                matches!(result, Err(RouteTableError::InvalidTemplate { .. })),
                "{method} {path}: {result:?}"
            );
        }
    }

    #[test]
    fn duplicate_routes_are_a_conflict() {
        let result = RouteTable::new(&[route("GET", "/a/{x}"), route("GET", "/a/{y}")]);
        assert!(
            matches!(result, Err(RouteTableError::Conflict { .. })),
            "{result:?}"
        );
    }
}
