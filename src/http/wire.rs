//! The API's wire types, written out as TypeScript for the UI (`web/src/wire.ts`).
//!
//! Every answer the API gives is a Rust type deriving `ts_rs::TS`, declared beside the code that
//! makes it. [`typescript`] starts from the answers listed in [`roots`] and declares each of them
//! and every type they reach, once, in name order. The test `tidy::wire_types_are_current`
//! fails when the file in `web/` differs; `FLEXBOARD_WRITE_WIRE=1 cargo test --release
//! wire_types` rewrites it.

use std::any::TypeId;
use std::collections::{BTreeMap, HashSet};

use ts_rs::{Config, TS, TypeVisitor};

/// Collects the declaration of every exportable type it is shown, and of their dependencies.
struct Declarations {
    config: Config,
    seen: HashSet<TypeId>,
    by_name: BTreeMap<String, String>,
}

impl TypeVisitor for Declarations {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Primitives and standard containers have no file of their own: they are inlined.
        if T::output_path().is_none() || !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        let mut text = T::docs().unwrap_or_default();
        text.push_str("export ");
        text.push_str(&T::decl(&self.config));
        self.by_name.insert(T::ident(&self.config), text);
        T::visit_dependencies(self);
        T::visit_generics(self);
    }
}

/// The answers and request bodies of the API, by route file.
fn roots(v: &mut Declarations) {
    use crate::analytics::ingest::ImportSummary;
    use crate::appliance as app;
    use crate::catalog::DatasetDef;
    use crate::dashboards::PanelKind;
    use crate::versioning::compat::Compatibility;

    v.visit::<super::error::ErrorBody>();
    v.visit::<super::health::Status>();
    // auth
    v.visit::<super::auth::LoginBody>();
    v.visit::<super::auth::PasswordBody>();
    v.visit::<app::Me>();
    v.visit::<app::TenantAccess>();
    // dashboards and panels
    v.visit::<super::dashboards::DashboardList>();
    v.visit::<app::ResolvedDashboard>();
    v.visit::<PanelKind>();
    v.visit::<crate::analytics::PanelData>();
    v.visit::<super::panels::PanelAnswerBody<'static>>();
    v.visit::<super::panels::DashboardDataBody<'static>>();
    v.visit::<super::panels::DrillAnswerBody<'static>>();
    v.visit::<crate::analytics::options::ControlOptions>();
    // branding
    v.visit::<crate::store::records::WorkspaceBranding>();
    v.visit::<app::branding::BrandingInput>();
    // datasets
    v.visit::<DatasetDef>();
    v.visit::<app::DatasetView>();
    v.visit::<ImportSummary>();
    // templates, versions, overrides, presets, experiments
    v.visit::<app::TemplateSummary>();
    v.visit::<app::TemplateDetail>();
    v.visit::<app::TemplateView>();
    v.visit::<app::NewTemplate>();
    v.visit::<app::TemplatePatch>();
    v.visit::<super::templates::DraftBody>();
    v.visit::<app::NewVersion>();
    v.visit::<app::NewVersionAnswer>();
    v.visit::<app::VersionSummary>();
    v.visit::<app::VersionView>();
    v.visit::<app::TransitionInput>();
    v.visit::<super::templates::ReasonBody>();
    v.visit::<Compatibility>();
    v.visit::<app::Impact>();
    v.visit::<app::OverrideView>();
    v.visit::<app::OverrideInput>();
    v.visit::<super::templates::DeleteBody>();
    v.visit::<app::PresetView>();
    v.visit::<app::PresetInput>();
    v.visit::<app::ExperimentView>();
    v.visit::<app::ExperimentInput>();
    v.visit::<super::templates::PromoteBody>();
    // admin
    v.visit::<app::UserView>();
    v.visit::<app::NewUser>();
    v.visit::<app::UserPatch>();
    v.visit::<super::admin::MembershipBody>();
    v.visit::<app::RoleView>();
    v.visit::<super::admin::RoleBody>();
    v.visit::<app::ApiKeyView>();
    v.visit::<super::admin::ApiKeyBody>();
    v.visit::<app::NewApiKey>();
    v.visit::<app::TenantView>();
    v.visit::<super::admin::TenantBody>();
    v.visit::<app::TenantPatch>();
}

/// The whole of `web/src/wire.ts`.
pub fn typescript() -> String {
    let mut declarations = Declarations {
        // JSON numbers are doubles: 64-bit integers arrive as `number`, not `bigint`.
        config: Config::new().with_large_int("number"),
        seen: HashSet::new(),
        by_name: BTreeMap::new(),
    };
    roots(&mut declarations);
    let mut out = String::from(
        "// Generated from the Rust types by `src/http/wire.rs`; do not edit. Rewrite with\n\
         // `FLEXBOARD_WRITE_WIRE=1 cargo test --release wire_types`.\n",
    );
    for text in declarations.by_name.values() {
        out.push('\n');
        out.push_str(text);
        out.push('\n');
    }
    out.push_str(
        "\n/** Each kind's size when a panel's position names none, in grid columns and rows. */\n\
         export const PANEL_DEFAULT_SIZES: Record<PanelKind, { width: number; height: number }> = {\n",
    );
    for kind in crate::dashboards::PanelKind::ALL {
        let (width, height) = kind.default_size();
        out.push_str(&format!(
            "  {}: {{ width: {width}, height: {height} }},\n",
            kind.name()
        ));
    }
    out.push_str("};\n");
    out
}
