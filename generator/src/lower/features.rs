//! What a client offers beyond one call per operation, found in the lowered operations:
//! paginators (a page-token parameter and a next token in the response, detected or declared
//! with `x-pagination`) and operation waiters (declared with `x-waiter` on the status
//! operation).

use serde_json::Value;

use super::Lowerer;
use crate::diagnostics::Diagnostic;
use crate::ir::*;
use crate::naming;

/// Query parameter names that carry a page token.
const TOKEN_PARAMS: &[&str] = &["pagetoken", "page_token", "nexttoken", "next_token", "cursor", "continuationtoken"];
/// Response property names that carry the next page's token.
const NEXT_FIELDS: &[&str] =
    &["nexttoken", "next_token", "nextpagetoken", "next_page_token", "nextcursor", "next_cursor", "continuationtoken"];

/// `x-pagination`, as declared.
struct Declared {
    token: String,
    next: Vec<String>,
    items: String,
}

impl Lowerer<'_> {
    /// Attach paginators and waiters to `operations`; returns the waiters.
    pub(super) fn features(&mut self, operations: &mut [Operation]) -> Vec<WaiterDef> {
        let extensions = std::mem::take(&mut self.op_extensions);
        let mut waiters = Vec::new();
        for ext in extensions.iter().filter(|e| e.key == "x-waiter") {
            let Some(i) = operations.iter().position(|o| o.name.api == ext.operation) else { continue };
            if let Some(w) = self.waiter(&operations[i], ext.value, &ext.pointer) {
                waiters.push(w);
            }
        }
        for op in operations.iter_mut() {
            let declared = extensions.iter().find(|e| e.key == "x-pagination" && e.operation == op.name.api);
            op.pagination = match declared {
                Some(ext) => match self.declared_pagination(ext.value, &ext.pointer) {
                    Some(d) => {
                        let found = self.pagination(op, Some(&d));
                        if found.is_none() {
                            let why = self.misfit(op, &d);
                            self.diags.push(
                                Diagnostic::new(&ext.pointer, format!("`x-pagination` of `{}`: {why}", op.name.api))
                                    .with_help("check the names against the spec, or remove the declaration"),
                            );
                        }
                        found
                    }
                    None => None,
                },
                None => self.pagination(op, None),
            };
            let waiter = waiters.iter().position(|w| {
                w.operation.api != op.name.api
                    && op.responses.iter().any(|r| {
                        matches!(r.status, StatusMatch::Code(200..=299))
                            && r.headers.iter().any(|h| h.name.api.eq_ignore_ascii_case(&w.header))
                    })
            });
            op.waiter = waiter;
        }
        waiters
    }

    fn declared_pagination(&mut self, v: &Value, pointer: &str) -> Option<Declared> {
        let get = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        match (get("token"), get("next"), get("items")) {
            (Some(token), Some(next), Some(items)) => {
                Some(Declared { token, next: next.split('.').map(str::to_owned).collect(), items })
            }
            _ => {
                self.diags.push(
                    Diagnostic::new(pointer, "`x-pagination` needs `token`, `next` and `items` (strings)")
                        .with_help("e.g. {token: pageToken, next: meta.nextToken, items: stores}"),
                );
                None
            }
        }
    }

    /// How `op` pages, if it does: the declared names, or detected ones.
    fn pagination(&self, op: &Operation, declared: Option<&Declared>) -> Option<Pagination> {
        let token = op.params.iter().find(|p| {
            p.location == ParamLocation::Query
                && !p.required
                && match declared {
                    Some(d) => p.name.api == d.token,
                    None => TOKEN_PARAMS.contains(&p.name.api.to_ascii_lowercase().as_str()),
                }
                && self.is_string(&p.ty)
        })?;
        // The page: the one 2xx response with a body (other successes are redirects).
        let ok: Vec<&Response> =
            op.responses.iter().filter(|r| matches!(r.status, StatusMatch::Code(200..=299))).collect();
        let [page] = ok.as_slice() else { return None };
        let several = op.responses.iter().filter(|r| r.success).count() > 1;
        let TypeRef::Named(body) = page.body.as_ref()? else { return None };
        let fields = self.struct_fields(body)?;
        // The items: the declared property, or the body's one array property.
        let arrays: Vec<&Field> = fields
            .iter()
            .filter(|f| matches!(f.ty, TypeRef::Array(_)))
            .filter(|f| declared.map_or(true, |d| f.name.api == d.items))
            .collect();
        let items = match arrays.as_slice() {
            [one] => Some(*one),
            _ if declared.is_some() => return None,
            _ => None,
        };
        let (next, next_api) = match declared {
            Some(d) => (self.field_path(body, &d.next)?, d.next.join(".")),
            None => self.find_next(body)?,
        };
        Some(Pagination {
            token_setter: token.name.rust.clone(),
            token_param: token.name.api.clone(),
            next,
            items: items.map(|f| f.name.rust.clone()),
            item_type: items.and_then(|f| match &f.ty {
                TypeRef::Array(t) => Some((**t).clone()),
                _ => None,
            }),
            page_variant: several.then(|| page.variant.clone()),
            next_api,
        })
    }

    /// Why a declared pagination does not fit `op`.
    fn misfit(&self, op: &Operation, d: &Declared) -> String {
        let token = op.params.iter().find(|p| p.name.api == d.token);
        match token {
            None => return format!("it has no parameter `{}`", d.token),
            Some(p) if p.location != ParamLocation::Query || p.required || !self.is_string(&p.ty) => {
                return format!("`{}` is not an optional string query parameter", d.token)
            }
            Some(_) => {}
        }
        let ok: Vec<&Response> =
            op.responses.iter().filter(|r| matches!(r.status, StatusMatch::Code(200..=299))).collect();
        let body = match ok.as_slice() {
            [r] => match &r.body {
                Some(TypeRef::Named(b)) if self.struct_fields(b).is_some() => b.clone(),
                _ => return "its 2xx response has no object body".to_owned(),
            },
            _ => return "it needs exactly one 2xx response".to_owned(),
        };
        if self.field_path(&body, &d.next).is_none() {
            return format!("the response has no string property `{}`", d.next.join("."));
        }
        format!("the response has no array property `{}`", d.items)
    }

    /// A string property named like a next token, in the body or one object below it.
    fn find_next(&self, body: &str) -> Option<(FieldPath, String)> {
        let fields = self.struct_fields(body)?;
        let is_next =
            |f: &Field| NEXT_FIELDS.contains(&f.name.api.to_ascii_lowercase().as_str()) && self.is_string(&f.ty);
        if let Some(f) = fields.iter().find(|f| is_next(f)) {
            return Some((FieldPath(vec![step(f)]), f.name.api.clone()));
        }
        for f in fields {
            let TypeRef::Named(inner) = &f.ty else { continue };
            let Some(inner_fields) = self.struct_fields(inner) else { continue };
            if let Some(g) = inner_fields.iter().find(|g| is_next(g)) {
                return Some((FieldPath(vec![step(f), step(g)]), format!("{}.{}", f.name.api, g.name.api)));
            }
        }
        None
    }

    /// The fields named (JSON names) `path` from the struct `body` down, ending on a string.
    fn field_path(&self, body: &str, path: &[String]) -> Option<FieldPath> {
        let mut steps = Vec::new();
        let mut current = body.to_owned();
        for (i, name) in path.iter().enumerate() {
            let f = self.struct_fields(&current)?.iter().find(|f| &f.name.api == name)?;
            steps.push(step(f));
            if i + 1 == path.len() {
                return self.is_string(&f.ty).then_some(FieldPath(steps));
            }
            let TypeRef::Named(next) = &f.ty else { return None };
            current = next.clone();
        }
        None
    }

    /// The fields of the struct named `name`, through aliases.
    fn struct_fields(&self, name: &str) -> Option<&Vec<Field>> {
        let mut name = name;
        for _ in 0..8 {
            match &self.types.get(name)?.kind {
                TypeDefKind::Struct { fields } => return Some(fields),
                TypeDefKind::Alias(TypeRef::Named(n)) => name = n,
                _ => return None,
            }
        }
        None
    }

    /// A string, a pattern type or a string enum (anything with `as_str()`).
    fn is_string(&self, t: &TypeRef) -> bool {
        match t {
            TypeRef::String => true,
            TypeRef::Named(n) => match self.types.get(n).map(|d| &d.kind) {
                Some(TypeDefKind::Pattern(_) | TypeDefKind::StringEnum { .. }) => true,
                Some(TypeDefKind::Alias(inner)) => self.is_string(inner),
                _ => false,
            },
            _ => false,
        }
    }

    /// The waiter `x-waiter` on `op` declares.
    fn waiter(&mut self, op: &Operation, v: &Value, pointer: &str) -> Option<WaiterDef> {
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        let list = |k: &str| -> Option<Vec<String>> {
            v.get(k)?.as_array()?.iter().map(|s| s.as_str().map(str::to_owned)).collect()
        };
        let (Some(header), Some(param), Some(status), Some(success), Some(failure)) =
            (text("header"), text("parameter"), text("status"), list("success"), list("failure"))
        else {
            self.diags.push(
                Diagnostic::new(
                    pointer,
                    "`x-waiter` needs `header`, `parameter`, `status` (strings) and `success`, `failure` \
                     (lists of states)",
                )
                .with_help("see spec/README.md of apigen for the declaration"),
            );
            return None;
        };
        match self.check_waiter(op, &param, &status) {
            Ok((status_type, state)) => {
                let error = text("error");
                if let Some(e) = &error {
                    if !self.struct_fields(&status_type).is_some_and(|f| f.iter().any(|f| &f.name.api == e)) {
                        self.diags
                            .push(Diagnostic::new(pointer, format!("`x-waiter`: the status has no property `{e}`")));
                        return None;
                    }
                }
                Some(self.waiter_def(op, header, status_type, state, success, failure, error))
            }
            Err(msg) => {
                self.diags.push(Diagnostic::new(pointer, msg));
                None
            }
        }
    }

    /// The status operation's status type and where its state is, or what is wrong.
    fn check_waiter(&self, op: &Operation, param: &str, status: &str) -> Result<(String, FieldPath), String> {
        let required: Vec<&Param> = op.params.iter().filter(|p| p.required).collect();
        if required.len() != 1 || required[0].name.api != param || op.body.as_ref().is_some_and(|b| b.required) {
            return Err(format!(
                "`x-waiter`: `{}` must take exactly one required argument, the parameter `{param}`",
                op.name.api
            ));
        }
        if !self.is_string(&required[0].ty) {
            return Err(format!("`x-waiter`: the parameter `{param}` must be a string"));
        }
        let success_responses: Vec<&Response> = op.responses.iter().filter(|r| r.success).collect();
        let status_type = match success_responses.as_slice() {
            [r] => match &r.body {
                Some(TypeRef::Named(n)) if self.struct_fields(n).is_some() => n.clone(),
                _ => return Err(format!("`x-waiter`: the success response of `{}` must be an object", op.name.api)),
            },
            _ => return Err(format!("`x-waiter`: `{}` must have exactly one success response", op.name.api)),
        };
        match self.field_path(&status_type, &[status.to_owned()]) {
            Some(state) => Ok((status_type, state)),
            None => Err(format!("`x-waiter`: the status has no string property `{status}`")),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn waiter_def(
        &self,
        op: &Operation,
        header: String,
        status_type: String,
        state: FieldPath,
        success: Vec<String>,
        failure: Vec<String>,
        error: Option<String>,
    ) -> WaiterDef {
        let static_name =
            format!("{}_WAITER", naming::snake(&op.type_name).trim_start_matches("r#").to_ascii_uppercase());
        WaiterDef {
            static_name,
            operation: op.name.clone(),
            error_type: op.error_type.clone(),
            status_type,
            header: header.to_ascii_lowercase(),
            success,
            failure,
            error,
            state,
        }
    }
}

fn step(f: &Field) -> String {
    f.name.rust.clone()
}
