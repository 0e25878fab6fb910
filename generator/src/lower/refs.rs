//! The one `$ref` resolver: a reference to `#/components/<section>/<key>` of any kind, with
//! chains followed and every failure (dangling, external, cyclic) reported where the `$ref` is.

use indexmap::IndexMap;
use openapiv3 as oa;
use openapiv3::ReferenceOr;

use super::Lowerer;
use crate::diagnostics::Diagnostic;
use crate::ir::TypeRef;
use crate::pointer::{join, unescape};

/// A kind of component a `$ref` can point at.
pub(super) trait Component: Sized {
    /// The section of `components` that holds it.
    const SECTION: &'static str;
    /// That section.
    fn section(c: &oa::Components) -> &IndexMap<String, ReferenceOr<Self>>;
}

macro_rules! component {
    ($t:ty, $section:literal, $field:ident) => {
        impl Component for $t {
            const SECTION: &'static str = $section;
            fn section(c: &oa::Components) -> &IndexMap<String, ReferenceOr<Self>> {
                &c.$field
            }
        }
    };
}

component!(oa::Schema, "schemas", schemas);
component!(oa::Parameter, "parameters", parameters);
component!(oa::Response, "responses", responses);
component!(oa::Header, "headers", headers);
component!(oa::RequestBody, "requestBodies", request_bodies);

/// Longest `$ref` chain followed before it is called cyclic.
const MAX_HOPS: usize = 32;

impl<'a> Lowerer<'a> {
    /// The component key `reference` names in section `T::SECTION`, or a diagnostic at
    /// `pointer/$ref`.
    fn ref_key<T: Component>(&mut self, reference: &str, pointer: &str) -> Option<String> {
        let prefix = format!("#/components/{}/", T::SECTION);
        let at = join(pointer, "$ref");
        let Some(key) = reference.strip_prefix(&prefix).map(unescape) else {
            let (msg, help) = if reference.starts_with('#') {
                (
                    format!("`$ref` `{reference}` does not point into `components/{}`", T::SECTION),
                    format!("reference a `#/components/{}/...` entry", T::SECTION),
                )
            } else {
                (
                    format!("external `$ref` `{reference}` is not supported"),
                    "references must point into the same document".to_owned(),
                )
            };
            self.diags.push(Diagnostic::new(at, msg).with_help(help));
            return None;
        };
        let exists = self.doc.components.as_ref().is_some_and(|c| T::section(c).contains_key(&key));
        if !exists {
            self.diags.push(
                Diagnostic::new(at, format!("`$ref` target `{reference}` does not exist"))
                    .with_help(format!("define it under components/{} or fix the reference", T::SECTION)),
            );
            return None;
        }
        Some(key)
    }

    /// Follow `r` to the item it names, with that item's pointer. Chains are followed.
    pub(super) fn resolve<T: Component>(&mut self, r: &'a ReferenceOr<T>, pointer: &str) -> Option<(&'a T, String)> {
        let mut current = r;
        let mut at = pointer.to_owned();
        for _ in 0..MAX_HOPS {
            match current {
                ReferenceOr::Item(t) => return Some((t, at)),
                ReferenceOr::Reference { reference } => {
                    let key = self.ref_key::<T>(reference, &at)?;
                    let components = self.doc.components.as_ref()?;
                    current = T::section(components).get(&key)?;
                    at = join(&format!("/components/{}", T::SECTION), &key);
                }
            }
        }
        self.err(&join(pointer, "$ref"), "`$ref` chain is too long or cyclic");
        None
    }

    /// Follow a schema reference to the schema it ends at (chains followed).
    pub(super) fn resolve_schema(&mut self, reference: &str, pointer: &str) -> Option<(&'a oa::Schema, String)> {
        let key = self.ref_key::<oa::Schema>(reference, pointer)?;
        let start = self.doc.components.as_ref()?.schemas.get(&key)?;
        let at = join("/components/schemas", &key);
        self.resolve(start, &at)
    }

    /// The named type a schema reference stands for (the component it names directly).
    pub(super) fn schema_ref(&mut self, reference: &str, pointer: &str) -> Option<TypeRef> {
        let key = self.ref_key::<oa::Schema>(reference, pointer)?;
        self.component_names.get(&key).cloned().map(TypeRef::Named)
    }
}
