//! Lowering: `openapiv3::OpenAPI` → [`ir::Api`]. All validation and all naming happen here.
//!
//! - [`refs`]: the one `$ref` resolver (components of every kind, chains followed).
//! - [`schemas`]: schemas → named types and type references.
//! - [`operations`]: paths and operations → client methods (parameters, bodies, responses).
//! - [`security`]: servers and security schemes.
//! - [`passes`]: whole-API passes after lowering (boxing recursion, marking sent types).
//!
//! Architecture invariant: lowering never produces tokens; every identifier in the IR is
//! decided here (through [`crate::naming`]).

mod features;
mod ids;
mod operations;
mod passes;
mod refs;
mod schemas;
mod security;

pub use passes::HEADER_MAP_SIZE;

use std::collections::{BTreeMap, HashMap};

use openapiv3 as oa;
use openapiv3::ReferenceOr;

use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::*;
use crate::naming::{self, Namespace};
use crate::pointer::join;

/// Type names the generated crate defines at its root besides the runtime's exports.
const CRATE_TYPES: &[&str] = &["Client"];

/// Names of Rust's prelude (and of `std` items generated code uses unqualified) that a spec's
/// type must not shadow.
const PRELUDE_TYPES: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "String",
    "Vec",
    "Box",
    "ToString",
    "ToOwned",
    "Clone",
    "Copy",
    "Send",
    "Sync",
    "Sized",
    "Unpin",
    "Default",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "Iterator",
    "IntoIterator",
    "Extend",
    "Eq",
    "PartialEq",
    "Ord",
    "PartialOrd",
    "AsRef",
    "AsMut",
    "Into",
    "From",
    "TryFrom",
    "TryInto",
    "FromIterator",
];

/// Methods the generated `Client` defines itself.
const CLIENT_METHODS: &[&str] = &["builder", "new", "from_env", "base_url", "config", "clone", "fmt"];

/// Names a request builder or its `send` binds itself: struct fields, the one method the
/// generator emits on every builder, and the locals of `send` that live while parameters are
/// read (the runtime's methods are added from [`crate::runtime_names`]).
const BUILDER_OWN: &[&str] = &[
    "client",
    "options",
    "send",
    "send_streaming",
    "exchange",
    "stream_response",
    "into_future",
    "path",
    "parts",
    "ex",
    "pages",
    "items",
    "wait",
    "wait_with",
    "clone",
    "fmt",
];

/// A lowered API and what it leaves out.
#[derive(Debug)]
pub struct Lowered {
    /// The API.
    pub api: Api,
    /// Warnings (e.g. pattern checks that could not be compiled and were left out).
    pub warnings: Vec<Diagnostic>,
}

/// Lower a loaded document. `ref_docs` holds the `description` written next to a `$ref`
/// (which `openapiv3` drops), by the pointer of the referencing node. With `strict`, warnings
/// are errors.
pub fn lower(loaded: &crate::load::Loaded, strict: bool) -> Result<Lowered, Vec<Diagnostic>> {
    let (doc, ref_docs) = (&loaded.doc, &loaded.ref_docs);
    let runtime = crate::runtime_names::get();
    let mut reserved: Vec<&str> = runtime.exports.iter().map(String::as_str).collect();
    reserved.extend(CRATE_TYPES);
    reserved.extend(PRELUDE_TYPES);
    let mut l = Lowerer {
        doc,
        ref_docs,
        types: BTreeMap::new(),
        ns: Namespace::with_reserved(&reserved).on_reserved_suffix("Model"),
        diags: Vec::new(),
        cache: HashMap::new(),
        component_names: BTreeMap::new(),
        schemes: Vec::new(),
        pattern_groups: BTreeMap::new(),
        op_extensions: Vec::new(),
        inline_enums: BTreeMap::new(),
        shared_headers: BTreeMap::new(),
    };
    // Components first, in key order, so their names win over derived ones.
    if let Some(c) = &doc.components {
        for key in sorted_keys(&c.schemas) {
            let name = l.ns.claim(&naming::pascal(key));
            l.component_names.insert(key.to_owned(), name);
        }
    }
    l.name_pattern_groups(&loaded.pattern_sites);
    if let Some(c) = &doc.components {
        for key in sorted_keys(&c.schemas) {
            let pointer = join("/components/schemas", key);
            let name = l.component_names[key].clone();
            l.lower_component(&c.schemas[key], key, &name, &pointer);
        }
    }
    let base_url = l.base_url(&doc.servers, "/servers");
    let auth = l.auth();
    l.schemes = auth.clone();
    let mut methods = Namespace::with_reserved(CLIENT_METHODS).on_reserved_suffix("_op");
    let mut builder_reserved: Vec<&str> = runtime.builder_methods.iter().map(String::as_str).collect();
    builder_reserved.extend(BUILDER_OWN);
    let mut operations = Vec::new();
    let mut entries: Vec<(&String, &ReferenceOr<oa::PathItem>)> = doc.paths.paths.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    for (path, item) in entries {
        let pointer = join("/paths", path);
        let item = match item {
            ReferenceOr::Item(i) => i,
            ReferenceOr::Reference { .. } => {
                l.diags.push(
                    Diagnostic::new(&pointer, "`$ref` on a path item is not supported")
                        .with_help("inline the path item"),
                );
                continue;
            }
        };
        for (method_name, op) in item.iter() {
            let Some(method) = parse_method(method_name) else { continue };
            let op_pointer = join(&pointer, method_name);
            let ctx = operations::OperationCtx { path, item, method, pointer: &op_pointer };
            if let Some(op) = l.operation(&ctx, op, &mut methods, &builder_reserved) {
                operations.push(op);
            }
        }
    }
    l.document_pattern_groups();
    let waiters = l.features(&mut operations);
    if strict {
        for d in &mut l.diags {
            d.severity = Severity::Error;
        }
    }
    let (errors, warnings): (Vec<Diagnostic>, Vec<Diagnostic>) =
        l.diags.into_iter().partition(|d| d.severity == Severity::Error);
    if !errors.is_empty() {
        let mut all = errors;
        all.extend(warnings);
        return Err(all);
    }
    operations.sort_by(|a, b| a.name.rust.cmp(&b.name.rust));
    for op in &mut operations {
        if op.server.as_deref() == Some(base_url.as_str()) {
            op.server = None;
        }
    }
    let mut types = l.types;
    passes::break_alias_cycles(&mut types);
    passes::box_recursive_fields(&mut types);
    passes::box_large_variants(&mut types, &mut operations);
    let sent_types = passes::mark_sent_types(&mut types, &operations);
    let api = Api {
        title: doc.info.title.clone(),
        version: doc.info.version.clone(),
        docs: naming::docs(doc.info.description.as_deref()),
        base_url,
        auth,
        types: types.into_values().collect(),
        operations,
        sent_types,
        waiters,
    };
    Ok(Lowered { api, warnings })
}

fn sorted_keys<V>(map: &indexmap::IndexMap<String, V>) -> Vec<&str> {
    let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

fn parse_method(m: &str) -> Option<Method> {
    Some(match m {
        "get" => Method::Get,
        "put" => Method::Put,
        "post" => Method::Post,
        "delete" => Method::Delete,
        "options" => Method::Options,
        "head" => Method::Head,
        "patch" => Method::Patch,
        "trace" => Method::Trace,
        _ => return None,
    })
}

/// The lowering state.
struct Lowerer<'a> {
    doc: &'a oa::OpenAPI,
    ref_docs: &'a BTreeMap<String, String>,
    /// Named types by Rust name (sorted output).
    types: BTreeMap<String, TypeDef>,
    /// The crate's type namespace.
    ns: Namespace,
    diags: Vec<Diagnostic>,
    /// Inline schemas already lowered, by JSON pointer, so shared components lower once.
    cache: HashMap<String, TypeRef>,
    /// `components/schemas` key → Rust name.
    component_names: BTreeMap<String, String>,
    /// The security schemes (operations' requirements refer to them).
    schemes: Vec<AuthScheme>,
    /// Pattern types by what they validate (see [`ids`]).
    pattern_groups: BTreeMap<crate::load::PatternKey, ids::Group>,
    /// Operation extensions read after every operation is lowered (see [`features`]).
    op_extensions: Vec<operations::OpExtension<'a>>,
    /// Inline string enums by the name they asked for and their values, so identical ones
    /// are one type.
    inline_enums: BTreeMap<(String, Vec<String>), String>,
    /// Headers structs of `components/responses` entries, by the response's pointer.
    shared_headers: BTreeMap<String, String>,
}

impl Lowerer<'_> {
    fn err(&mut self, pointer: &str, msg: impl Into<String>) {
        self.diags.push(Diagnostic::new(pointer, msg));
    }

    /// Errors so far (warnings do not stop an operation from being lowered).
    fn error_count(&self) -> usize {
        self.diags.iter().filter(|d| d.severity == Severity::Error).count()
    }
}
