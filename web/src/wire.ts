// Generated from the Rust types by `src/http/wire.rs`; do not edit. Rewrite with
// `FLEXBOARD_WRITE_WIRE=1 cargo test --release wire_types`.

export type Action = "read" | "create" | "update" | "delete" | "*";

/**
 * A member who would see a change: named to those who may read people, else only the role.
 */
export type AffectedMember = { user: string, email: string, role: string, attributes: { [key in string]: string }, } | { role: string, };

export type Aggregation = "sum" | "count" | "avg" | "min" | "max" | "count_distinct" | "latest";

export type ApiKeyBody = { name: string, scopes: Array<string>, };

export type ApiKeyView = { id: string, name: string, scopes: Array<string>, created_by: string, created_at: string, last_used_at: string | null, revoked_at: string | null, };

/**
 * One override as applied, with what it changed.
 */
export type AppliedLayer = { id: string, scope: OverrideScope, priority: number, changes: Array<Change>, };

/**
 * One arm of an experiment: a version, or an override switched on, for a share of users.
 */
export type Arm = { name: string, version: string | null, override: string | null, 
/**
 * Percent of the audience.
 */
weight: number, };

/**
 * One arm: a version, or an override switched on, for a share of the audience.
 */
export type ArmView = { name: string, version: string | null, override: string | null, 
/**
 * Percent of the audience.
 */
weight: number, };

export type BarData = { categories: Array<string>, series: Array<BarSeries>, };

export type BarSeries = { name: string, values: Array<number | null>, };

export type BarSource = { dataset: string, dimension: string, measures: Array<Measure>, limit?: number | null, filters?: Array<Filter>, };

export type Branding = { name?: string | null, logo?: string | null, primary_color?: string | null, accent_color?: string | null, font?: string | null, 
/**
 * The theme people see until they choose their own.
 */
theme?: Theme | null, };

/**
 * What a workspace admin sets; the logo has its own route.
 */
export type BrandingInput = { primary_color: string | null, accent_color: string | null, font: string | null, theme: Theme | null, };

/**
 * Range thresholds of automatic time bucketing: a range up to `raw` is drawn from raw points,
 * up to `minute` by minute, up to `ten_minutes` by ten minutes, and longer by hour. Written as
 * durations (`8h`, `1d`, `4d`).
 */
export type Bucketing = { raw: string, minute: string, ten_minutes: string, };

export type Bump = "patch" | "minor" | "major";

/**
 * One row of a card's loop: the dimension's value and the card's values for it.
 */
export type CardRow = { label: string, values: Array<number | null>, };

/**
 * One change a patch made.
 */
export type Change = { path: string, op: ChangeOp, };

export type ChangeOp = "set" | "delete" | "add" | "remove" | "reorder";

export type ColumnDef = { name: string, type: ColumnType, role: ColumnRole, label: string, 
/**
 * The aggregations a measure column allows; empty allows every one its type supports.
 */
aggregations?: Array<Aggregation>, };

export type ColumnRole = "attribute" | "dimension" | "measure" | "time";

/**
 * The column types a dataset may declare; each maps to one DuckDB type.
 */
export type ColumnType = "bigint" | "integer" | "double" | "varchar" | "boolean" | "date" | "timestamp";

export type Compatibility = { 
/**
 * The smallest bump the changes allow; `None` when nothing changed.
 */
required: Bump | null, changes: Array<DiffEntry>, };

export type ControlKind = "select" | "multi_select" | "search" | "range";

export type ControlOptions = { 
/**
 * Distinct values in order, as text (selects and searches).
 */
values: Array<string>, 
/**
 * True when there were more values than the limit: narrow them with `q`.
 */
truncated: boolean, 
/**
 * The column's smallest and largest value (ranges).
 */
min: JsonValue | null, max: JsonValue | null, };

export type CustomImageData = { image: ImageKind, 
/**
 * The picture: an SVG document drawn by the server.
 */
svg: string, 
/**
 * A bullet's value, or a sparkline's last point.
 */
value: number | null, target: number | null, 
/**
 * value / target in percent.
 */
attainment: number | null, 
/**
 * A sparkline's `[bucket start, value]` points in time order.
 */
points: Array<[string, number | null]>, };

export type CustomImageSource = { dataset: string, image: ImageKind, value: Measure, 
/**
 * A bullet chart's target (required there).
 */
target?: Measure | null, 
/**
 * A sparkline's bucket (`month` when not given); never `raw`.
 */
grain?: Grain | null, filters?: Array<Filter>, };

export type CustomTemplateData = { 
/**
 * The filled card.
 */
blocks: Array<TextBlock>, 
/**
 * Each value over every row of the panel, in the order of the source's `values`.
 */
totals: Array<number | null>, 
/**
 * The values' names, in the same order.
 */
names: Array<string>, 
/**
 * The loop's dimension, when the card loops.
 */
rows_by: string | null, 
/**
 * The loop's rows (empty without `rows_by`).
 */
rows: Array<CardRow>, };

export type CustomTemplateSource = { dataset: string, 
/**
 * The numbers the text names: `{{ revenue }}` is the value named `revenue`, over every
 * row of the panel; inside a loop, `{{ row.revenue }}` is its value for that row.
 */
values: Array<TemplateValue>, 
/**
 * Rows for `{% for row in rows %}`: one per value of this dimension, largest first by the
 * first value; the dimension's value is `{{ row.<dimension> }}`, a value `{{ row.<name> }}`.
 */
rows_by?: string | null, 
/**
 * Rows at most (10 when not given, 100 at most).
 */
limit?: number | null, 
/**
 * Markdown with placeholders. Headings, emphasis, lists, quotes, code and `http(s)`
 * links are kept; HTML shows as text and images as their description.
 */
template: string, filters?: Array<Filter>, };

/**
 * A dashboard as authored (YAML) and as served (JSON).
 */
export type DashboardConfig = { id: string, name: string, description: string, 
/**
 * Seconds between automatic refreshes of panels that set none themselves.
 */
refresh_interval?: number | null, layout: Layout, 
/**
 * Roles the dashboard is meant for; empty means every member who may read dashboards.
 */
visible_to?: Array<string>, 
/**
 * The tenant's look: name, logo, colours, font.
 */
branding?: Branding | null, 
/**
 * ISO 4217 code money values are shown in.
 */
currency?: string | null, 
/**
 * Pre-filters applied to every panel whose dataset has the column (e.g. `zone = NORTH`).
 */
filters?: Array<DashboardFilter>, 
/**
 * Filters a person sets above the grid (select, multi-select, search, range), sent with
 * each data request as `f.<id>=…`.
 */
controls?: Array<FilterControl>, 
/**
 * Switchable features such as exports.
 */
features?: Array<FeatureFlag>, panels: Array<PanelConfig>, };

/**
 * `GET /api/v1/dashboards/{id}/data`: every panel of the dashboard by id.
 */
export type DashboardDataBody = { dashboard: string, version: string, panels: { [key in string]: PanelOutcome }, _debug?: DashboardDebug, };

export type DashboardDebug = { 
/**
 * Panel id → the statements it ran.
 */
queries: { [key in string]: Array<QueryExplain> }, totalTimeMs: number, };

/**
 * A dashboard-wide filter, identified by `id` so overrides can change or remove it.
 */
export type DashboardFilter = { id: string, label?: string, visible_to?: Array<string>, column: string, op: FilterOp, value?: JsonValue, };

/**
 * `GET /api/v1/dashboards`: the caller's workspace and the dashboards meant for them.
 */
export type DashboardList = { tenant: TenantOut, dashboards: Array<DashboardOut>, };

export type DashboardOut = { id: string, name: string, description: string, panel_count: number, };

/**
 * A dataset as declared in `datasets/*.yaml`.
 */
export type DatasetDef = { 
/**
 * Table name in the tenant's DuckDB file, and the name panels use.
 */
name: string, label: string, description: string, 
/**
 * The column time ranges and buckets apply to, if the dataset has one.
 */
time_column: string | null, columns: Array<ColumnDef>, 
/**
 * Which rows a caller with `own` data access may see: each policy keeps the rows whose
 * `column` equals the caller's `attribute` (e.g. `zone = user.zone`).
 */
row_policies?: Array<RowPolicy>, 
/**
 * Pre-aggregated tables the query planner may answer from instead of the raw rows.
 */
rollups?: Array<RollupDef>, 
/**
 * Refuse any aggregate query no rollup can answer, instead of scanning the raw rows.
 */
rollup_only?: boolean, 
/**
 * The first month (1–12) of the fiscal year the `fy` and `fytd` periods count from.
 */
fiscal_year_start?: number, 
/**
 * The spans up to which a time series is drawn raw, by minute and by ten minutes.
 */
bucketing?: Bucketing, };

export type DatasetView = { 
/**
 * The table's rows; left out for readers limited to their own rows.
 */
rows: number | null, rollupState: Array<RollupState>, 
/**
 * Table name in the tenant's DuckDB file, and the name panels use.
 */
name: string, label: string, description: string, 
/**
 * The column time ranges and buckets apply to, if the dataset has one.
 */
time_column: string | null, columns: Array<ColumnDef>, 
/**
 * Which rows a caller with `own` data access may see: each policy keeps the rows whose
 * `column` equals the caller's `attribute` (e.g. `zone = user.zone`).
 */
row_policies?: Array<RowPolicy>, 
/**
 * Pre-aggregated tables the query planner may answer from instead of the raw rows.
 */
rollups?: Array<RollupDef>, 
/**
 * Refuse any aggregate query no rollup can answer, instead of scanning the raw rows.
 */
rollup_only?: boolean, 
/**
 * The first month (1–12) of the fiscal year the `fy` and `fytd` periods count from.
 */
fiscal_year_start?: number, 
/**
 * The spans up to which a time series is drawn raw, by minute and by ten minutes.
 */
bucketing?: Bucketing, };

export type DeleteBody = { reason: string, revision: number, };

export type DiffEntry = { path: string, kind: DiffKind, 
/**
 * The bump this change alone requires.
 */
bump: Bump, before?: JsonValue | null, after?: JsonValue | null, };

export type DiffKind = "added" | "removed" | "changed";

export type DraftBody = { config: JsonValue, revision: number, };

/**
 * `GET /api/v1/panels/{id}/drill`: the rows behind one point of the panel.
 */
export type DrillAnswerBody = { 
/**
 * The column the rows are grouped by; `null` for the raw rows.
 */
by: string | null, 
/**
 * The columns the rows could be grouped by instead.
 */
choices: Array<DrillChoice>, lastUpdatedAt: string, } & ({ "type": "kpi" } & KpiData | { "type": "timeseries" } & TimeseriesData | { "type": "table" } & TableData | { "type": "bar" } & BarData | { "type": "health_status" } & HealthData | { "type": "pie" } & PieData | { "type": "gauge" } & GaugeData | { "type": "scatter" } & ScatterData | { "type": "custom_image" } & CustomImageData | { "type": "custom_template" } & CustomTemplateData | { "type": "map" } & MapData);

/**
 * A column a drill may group by.
 */
export type DrillChoice = { name: string, label: string, };

/**
 * The body of every error answer.
 */
export type ErrorBody = { code: ErrorCode, message: string, 
/**
 * Structured particulars, e.g. the failing values of an import.
 */
details?: JsonValue, };

/**
 * Every error code the API returns. Clients may rely on these strings.
 */
export type ErrorCode = "not_found" | "invalid_request" | "invalid_date" | "ambiguous_panel" | "not_ready" | "unauthorized" | "invalid_credentials" | "forbidden" | "csrf_failed" | "too_many_attempts" | "conflict" | "limit_exceeded" | "premium_required" | "invalid_data" | "rollup_required" | "query_timeout" | "payload_too_large" | "unsupported_media_type" | "quota_exceeded" | "too_many_requests" | "internal";

export type ExperimentInput = { id?: string, arms?: Array<Arm>, audience?: OverrideScope, running?: boolean, reason: string, };

/**
 * The experiment arm the caller was placed in.
 */
export type ExperimentPick = { id: string, arm: string, };

export type ExperimentStateView = { arms: Array<ArmView>, 
/**
 * Who takes part; everyone when `null`.
 */
audience: OverrideScope | null, running: boolean, 
/**
 * The promoted arm.
 */
winner: string | null, };

/**
 * An experiment or rollout with every state it had.
 */
export type ExperimentView = { id: string, template: string, 
/**
 * Mixed into each person's bucket, so experiments split people independently.
 */
seed: string, current: ExperimentStateView, created_by: string, created_at: string, history: Array<RevisionView<ExperimentStateView>>, };

export type FeatureFlag = { id: string, label?: string, enabled: boolean, visible_to?: Array<string>, };

/**
 * A typed filter; the value is always bound as a query parameter.
 */
export type Filter = { column: string, op: FilterOp, value?: JsonValue, };

export type FilterControl = { 
/**
 * The name in the URL (`f.<id>=…`) and in overrides.
 */
id: string, label?: string, 
/**
 * The dataset the options come from.
 */
dataset: string, column: string, kind: ControlKind, 
/**
 * Roles that see the control; empty means everyone.
 */
visible_to?: Array<string>, };

export type FilterOp = "eq" | "ne" | "gt" | "gte" | "lt" | "lte" | "in" | "not_in" | "between" | "contains" | "is_null" | "not_null";

export type GaugeBand = { from: number, to: number, color: string, label: string, };

export type GaugeData = { value: number | null, target: number | null, 
/**
 * value / target in percent, when both are known and the target is not zero.
 */
attainment: number | null, 
/**
 * The dial's ends: the panel's, or round numbers around the value and target.
 */
min: number, max: number, 
/**
 * The thresholds as coloured stretches of the dial, in the value's units, lowest first.
 */
bands: Array<GaugeBand>, status: Threshold | null, };

export type GaugeSource = { dataset: string, value: Measure, target?: Measure | null, 
/**
 * The dial's start (default 0, or the value when it is below 0).
 */
min?: number | null, 
/**
 * The dial's end; without it a round number above the target (or the value).
 */
max?: number | null, filters?: Array<Filter>, };

export type Grain = "raw" | "minute" | "ten_minutes" | "hour" | "day" | "week" | "month" | "quarter" | "year";

export type HealthColumns = { name: string, status: string, timestamp?: string | null, message?: string | null, };

export type HealthData = { items: Array<HealthItem>, };

export type HealthItem = { name: string, status: number, label: string, color: string, checked_at: string | null, message: string | null, };

export type HealthSource = { dataset: string, columns: HealthColumns, };

/**
 * What a `custom_image` draws.
 */
export type ImageKind = "bullet" | "sparkline";

/**
 * What publishing a version would do.
 */
export type Impact = { 
/**
 * Against the published version.
 */
compatibility: Compatibility, overridesTouchingRemovedPaths: Array<TouchingOverride>, 
/**
 * The members who would see a different dashboard.
 */
affectedMembers: Array<AffectedMember>, };

export type ImportSummary = { 
/**
 * `IM-…`: the import as the tenant database and the audit ledger both record it.
 */
id: string, dataset: string, rows: number, rollups: Array<RefreshedRollup>, readMs: number, 
/**
 * Appending the rows (inside `write_ms`, which adds the refreshes and the commit).
 */
appendMs: number, writeMs: number, generation: number, };

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]: JsonValue } | null;

export type KpiData = { value: number | null, target: number | null, 
/**
 * value / target in percent, when both are known and the target is not zero.
 */
attainment: number | null, status: Threshold | null, };

export type KpiSource = { dataset: string, value: Measure, target?: Measure | null, filters?: Array<Filter>, };

export type Layout = { columns: number, row_height?: number | null, };

export type Limits = { max_dashboards: number, max_widgets_per_dashboard: number, };

export type LoginBody = { email: string, password: string, };

/**
 * The uploaded logo: its bytes are kept apart, under the tenant's id.
 */
export type LogoInfo = { 
/**
 * `image/png`, `image/jpeg`, `image/webp`, `image/gif` or `image/svg+xml`.
 */
content_type: string, bytes: number, 
/**
 * SHA-256 of the stored bytes: the logo's URL changes with it.
 */
digest: string, updated_at: string, };

export type MapData = { map: MapName, regions: Array<MapRegion>, };

/**
 * The maps Flexboard ships.
 */
export type MapName = "india_states" | "world_countries";

export type MapRegion = { name: string, value: number | null, };

export type MapSource = { dataset: string, map: MapName, 
/**
 * The column naming each row's region.
 */
region: string, value: Measure, filters?: Array<Filter>, };

/**
 * `GET /auth/me`: who is signed in, where, and what they may do there.
 */
export type Me = { user: MeUser, tenant: TenantAccess | null, tenants: Array<TenantAccess>, permissions: Array<Permission>, csrf_token: string | null, };

export type MeUser = { id: string, email: string, name: string, super_admin: boolean, };

/**
 * An aggregated column: `{column, agg}`, with an optional label for legends.
 */
export type Measure = { column: string, agg: Aggregation, label?: string | null, };

export type MemberView = { tenant: string, role: string, attributes: { [key in string]: string }, };

export type MembershipBody = { role: string, attributes: { [key in string]: string }, };

/**
 * A new key: its record, and the secret, shown this once.
 */
export type NewApiKey = { secret: string, id: string, name: string, scopes: Array<string>, created_by: string, created_at: string, last_used_at: string | null, revoked_at: string | null, };

export type NewTemplate = { config: JsonValue, };

export type NewUser = { email: string, name: string, password: string, 
/**
 * The role in the current tenant. Required unless a super-admin creates the user.
 */
role?: string, attributes: { [key in string]: string }, super_admin: boolean, };

export type NewVersion = { changelog: string, 
/**
 * The bump to make; the compatibility check's proposal when absent.
 */
bump?: Bump, 
/**
 * Needed to make a smaller bump than the changes require.
 */
force_reason?: string, 
/**
 * The draft revision the author reviewed; a newer draft is a conflict.
 */
draft_revision?: number, };

/**
 * A new version, with the compatibility check that numbered it (none for the first).
 */
export type NewVersionAnswer = { version: VersionSummary, compatibility: Compatibility | null, };

export type OverrideInput = { 
/**
 * For a new override; ids are unique in the tenant.
 */
id?: string, scope: OverrideScope, priority?: number, active: boolean, versions: string, patch: JsonValue, reason: string, 
/**
 * The revision edited (updates only).
 */
revision?: number, };

/**
 * Who an override is for.
 */
export type OverrideScope = { 
/**
 * `tenant`, `role`, `zone`, `user`, or `attribute:<name>`.
 */
type: string, value: string, };

/**
 * What an override says at one moment.
 */
export type OverrideStateView = { scope: OverrideScope, 
/**
 * `null`: the scope's default priority.
 */
priority: number | null, active: boolean, 
/**
 * Semver requirement of the versions it was written for (`*` for any).
 */
versions: string, patch: JsonValue, reason: string, deleted: boolean, };

/**
 * An override with every state it had.
 */
export type OverrideView = { id: string, template: string, current: OverrideStateView, 
/**
 * Sent back with the next change; a newer one on the server is a conflict.
 */
revision: number, created_by: string, created_at: string, 
/**
 * Oldest first, each with who made it, when and why.
 */
history: Array<RevisionView<OverrideStateView>>, };

/**
 * `GET /api/v1/panels/{id}/data`: the panel's data, with `_debug.queries` when asked for.
 */
export type PanelAnswerBody = { 
/**
 * When the data was read (RFC 3339, UTC): what "updated N s ago" counts from.
 */
lastUpdatedAt: string, _debug?: PanelDebug, } & ({ "type": "kpi" } & KpiData | { "type": "timeseries" } & TimeseriesData | { "type": "table" } & TableData | { "type": "bar" } & BarData | { "type": "health_status" } & HealthData | { "type": "pie" } & PieData | { "type": "gauge" } & GaugeData | { "type": "scatter" } & ScatterData | { "type": "custom_image" } & CustomImageData | { "type": "custom_template" } & CustomTemplateData | { "type": "map" } & MapData);

/**
 * One panel: identity and placement, how it looks, and what data it shows.
 */
export type PanelConfig = { id: string, title: string, description?: string, position: Position, refresh_interval?: number | null, display: PanelDisplay, 
/**
 * Roles the panel is meant for; empty means everyone who sees the dashboard.
 */
visible_to?: Array<string>, } & ({ "type": "kpi", "data_source": KpiSource } | { "type": "timeseries", "data_source": TimeseriesSource } | { "type": "table", "data_source": TableSource } | { "type": "bar", "data_source": BarSource } | { "type": "health_status", "data_source": HealthSource } | { "type": "pie", "data_source": PieSource } | { "type": "gauge", "data_source": GaugeSource } | { "type": "scatter", "data_source": ScatterSource } | { "type": "custom_image", "data_source": CustomImageSource } | { "type": "custom_template", "data_source": CustomTemplateSource } | { "type": "map", "data_source": MapSource });

/**
 * A panel's data, tagged with its kind.
 */
export type PanelData = { "type": "kpi" } & KpiData | { "type": "timeseries" } & TimeseriesData | { "type": "table" } & TableData | { "type": "bar" } & BarData | { "type": "health_status" } & HealthData | { "type": "pie" } & PieData | { "type": "gauge" } & GaugeData | { "type": "scatter" } & ScatterData | { "type": "custom_image" } & CustomImageData | { "type": "custom_template" } & CustomTemplateData | { "type": "map" } & MapData;

export type PanelDebug = { 
/**
 * Every statement the panel ran.
 */
queries: Array<QueryExplain>, };

/**
 * Presentation settings. Every field is optional; each panel kind reads the ones it uses.
 */
export type PanelDisplay = { unit?: string | null, prefix?: string | null, decimals?: number | null, format?: ValueFormat | null, thresholds?: Array<Threshold>, 
/**
 * What KPI thresholds compare: the value itself, or the attainment of the target in %.
 */
thresholds_on?: ThresholdBasis | null, y_axis_label?: string | null, y_axis_range?: [number, number] | null, line_colors?: Array<string>, fill_area?: boolean | null, horizontal?: boolean | null, 
/**
 * Time series drawn on top of one another.
 */
stacked?: boolean | null, 
/**
 * Lines drawn as curves.
 */
smooth?: boolean | null, 
/**
 * Lines, by name, drawn dashed.
 */
dashed?: Array<string>, 
/**
 * Lines, by name, measured on a second y-axis on the right.
 */
right_axis?: Array<string>, 
/**
 * The right axis' name and format (the panel's format when none).
 */
right_axis_label?: string | null, right_format?: ValueFormat | null, 
/**
 * Level lines across a chart, such as a target or an alert threshold.
 */
target_lines?: Array<TargetLine>, 
/**
 * A pie drawn as a ring.
 */
donut?: boolean | null, default_sort?: string | null, default_sort_order?: SortOrder | null, page_size?: number | null, status_mapping?: { [key in number]: StatusStyle }, };

/**
 * The panel kinds, as `type` names them.
 */
export type PanelKind = "kpi" | "timeseries" | "table" | "bar" | "health_status" | "pie" | "gauge" | "scatter" | "custom_image" | "custom_template" | "map";

/**
 * One panel of a dashboard's batch: its data, or why it has none.
 */
export type PanelOutcome = PanelAnswerBody | { error: ErrorBody, };

export type Partition = "month";

export type PasswordBody = { current_password: string, new_password: string, };

export type Permission = { resource: Resource, action: Action, scope: Scope, };

export type PieData = { 
/**
 * Largest first; an "Other" slice, when there is one, comes last.
 */
slices: Array<PieSlice>, 
/**
 * The sum of every slice.
 */
total: number | null, };

export type PieSlice = { name: string, value: number | null, 
/**
 * True for the slice that sums the values beyond the panel's limit.
 */
other: boolean, 
/**
 * How many values of the dimension the slice holds (1 unless `other`).
 */
members: number, };

export type PieSource = { dataset: string, dimension: string, measure: Measure, 
/**
 * Named slices at most; the rest become one "Other" slice (default
 * [`DEFAULT_SLICES`], at most [`MAX_SLICES`]).
 */
limit?: number | null, filters?: Array<Filter>, };

/**
 * A tenant's plan.
 */
export type Plan = "free" | "premium";

/**
 * Grid placement: 1-based row and column, width in columns, height in rows.
 */
export type Position = { row: number, col: number, width: number, height: number, };

export type PresetInput = { kind: string, description: string, content: JsonValue, reason: string, 
/**
 * The revision edited (updates only).
 */
revision?: number, };

/**
 * A preset with its earlier contents.
 */
export type PresetView = { id: string, 
/**
 * `filter`, `kpi`, `table`, `format` or `drilldown`.
 */
kind: string, description: string, content: JsonValue, revision: number, updated_by: string, updated_at: string, 
/**
 * Oldest first, each with the time it took effect.
 */
history: Array<RevisionView<JsonValue>>, };

export type PromoteBody = { arm: string, reason: string, };

/**
 * One statement a panel ran, for `?debug=true`.
 */
export type QueryExplain = { sql: string, params: Array<JsonValue>, executionTimeMs: number, cacheHit: boolean, 
/**
 * The rollup that answered, or `null` for the raw rows.
 */
rollup: string | null, 
/**
 * Why each other rollup could not answer (or why the query had to read raw rows).
 */
rollupNotes: Array<string>, rows: number, };

export type ReasonBody = { reason: string, };

export type RefreshedRollup = { name: string, rows: number, ms: number, 
/**
 * `refresh` (the touched buckets) or `build` (from every row).
 */
mode: string, };

export type ResolutionDebug = { resolution: ResolutionTrace, };

/**
 * How a resolution went: the base, every layer with its changes, which layer set each
 * changed path, and what the permission filter removed.
 */
export type ResolutionTrace = { baseTemplate: string, baseVersion: string, appliedOverrides: Array<AppliedLayer>, 
/**
 * Changed path → the override that set it.
 */
provenance: { [key in string]: string }, permissionFilters: Array<string>, experiment: ExperimentPick | null, resolutionTimeMs: number, };

/**
 * `GET /api/v1/dashboards/{id}`. The server writes this body as bytes (the configuration
 * serialized once, straight into it); the type states its shape for clients.
 */
export type ResolvedDashboard = { config: DashboardConfig, meta: ResolvedMeta, 
/**
 * With `?debug=true`, for editors.
 */
_debug?: ResolutionDebug | null, };

/**
 * What `meta` says of a resolution: which template, version and layers made the dashboard.
 */
export type ResolvedMeta = { templateId: string, version: string, tenantId: string, 
/**
 * The overrides applied, lowest priority first.
 */
appliedOverrides: Array<string>, experiment?: ExperimentPick | null, resolvedAt: string, 
/**
 * Set when the dashboard was resolved as it was at a past moment (`?asOf=`).
 */
asOf?: string | null, };

export type Resource = "dashboards" | "data" | "users" | "memberships" | "roles" | "api_keys" | "tenants" | "audit" | "sync" | "branding" | "*";

/**
 * A past state of an override, preset or experiment, from `at` on, with who made it and why.
 */
export type RevisionView<T> = { at: string, by: string, reason: string | null, state: T, };

export type RoleBody = { description: string, permissions: Array<Permission>, };

export type RoleView = { name: string, description: string, permissions: Array<Permission>, built_in: boolean, };

/**
 * A rollup: the dataset grouped by some dimensions (and the time column at a grain), keeping
 * the parts of each measure that can be combined again (sums, counts, minima, maxima; exact
 * distinct counts per group).
 */
export type RollupDef = { name: string, dimensions: Array<string>, measures: Array<RollupMeasure>, 
/**
 * The time grain of its buckets; without one the rollup has no time and answers only
 * queries without a time range.
 */
grain?: Grain | null, 
/**
 * `month`: refreshes recompute whole calendar months.
 */
partition?: Partition | null, };

export type RollupMeasure = { column: string, agg: Aggregation, };

export type RollupState = { name: string, built: boolean, };

/**
 * `column = user.attribute`, applied to callers whose data access is limited to their own.
 */
export type RowPolicy = { column: string, attribute: string, 
/**
 * Roles this policy does not narrow: their holders read every row.
 */
all_rows?: Array<string>, };

export type ScatterData = { 
/**
 * The measures' names, for the axes and the tooltip.
 */
x: string, y: string, size: string | null, 
/**
 * The label of the column that colours the points, when there is one.
 */
color_by: string | null, 
/**
 * In the order of the dimension's values.
 */
points: Array<ScatterPoint>, 
/**
 * True when there were more points than the panel's limit.
 */
truncated: boolean, };

export type ScatterPoint = { label: string, group: string | null, x: number | null, y: number | null, size: number | null, };

export type ScatterSource = { dataset: string, 
/**
 * One point per value of this column.
 */
dimension: string, x: Measure, y: Measure, 
/**
 * Sizes the points.
 */
size?: Measure | null, 
/**
 * A column whose values colour the points (one legend entry each).
 */
color_by?: string | null, 
/**
 * Points at most (default [`DEFAULT_POINTS`], at most [`MAX_POINTS`]).
 */
limit?: number | null, filters?: Array<Filter>, };

export type Scope = "own" | "tenant" | "all";

export type Series = { name: string, 
/**
 * `[ISO 8601 time, value]` pairs in time order.
 */
points: Array<[string, number | null]>, };

export type SortOrder = "asc" | "desc";

export type StateChangeView = { state: VersionState, by: string, at: string, reason: string | null, };

export type Status = { status: string, };

export type StatusStyle = { color: string, label: string, };

export type TableColumn = { name: string, agg?: Aggregation | null, label?: string | null, format?: ValueFormat | null, };

export type TableColumnOut = { key: string, label: string, format: ValueFormat, sortable: boolean, };

export type TableData = { columns: Array<TableColumnOut>, rows: Array<{ [key in string]: JsonValue }>, total: number, page: number, page_size: number, sort: string, order: SortOrder, };

export type TableSource = { dataset: string, 
/**
 * Plain columns, or aggregated ones (`agg`); with any aggregate the others group.
 */
columns: Array<TableColumn>, filters?: Array<Filter>, };

/**
 * A level line across a chart.
 */
export type TargetLine = { value: number, label: string, color?: string | null, 
/**
 * On the right axis rather than the left.
 */
right?: boolean, };

/**
 * `GET /api/v1/templates/{id}`: the template and its versions, oldest first.
 */
export type TemplateDetail = { template: TemplateView, versions: Array<VersionSummary>, };

export type TemplatePatch = { name?: string, description?: string, status?: TemplateStatus, reason: string, };

export type TemplateStatus = "active" | "deprecated" | "archived";

/**
 * A template in the list: what it is and where its versions stand.
 */
export type TemplateSummary = { id: string, name: string, description: string, status: TemplateStatus, draftRevision: number, 
/**
 * The published version's number.
 */
published: string | null, 
/**
 * How many versions it has.
 */
versions: number, };

/**
 * A named aggregate the template shows, in its own number format when it names one.
 */
export type TemplateValue = { name: string, format?: ValueFormat | null, column: string, agg: Aggregation, label?: string | null, };

/**
 * A template with its draft working copy.
 */
export type TemplateView = { id: string, name: string, description: string, status: TemplateStatus, schema_version: string, 
/**
 * A dashboard configuration, possibly with `$preset` references.
 */
draft: JsonValue, 
/**
 * Sent back with the next draft save; a newer one on the server is a conflict.
 */
draft_revision: number, draft_updated_by: string, draft_updated_at: string, created_by: string, created_at: string, updated_at: string, };

/**
 * A tenant as the caller reaches it.
 */
export type TenantAccess = { id: string, name: string, plan: Plan, role: string | null, attributes: { [key in string]: string }, };

export type TenantBody = { name: string, plan: Plan, };

export type TenantOut = { id: string, name: string, };

export type TenantPatch = { name?: string, plan?: Plan, active?: boolean, };

export type TenantView = { id: string, name: string, slug: string, plan: Plan, limits: Limits, active: boolean, created_at: string, members: number, };

/**
 * A block of a text card.
 */
export type TextBlock = { "type": "heading", level: number, text: Array<TextSpan>, } | { "type": "paragraph", text: Array<TextSpan>, } | { "type": "list", ordered: boolean, 
/**
 * The first number of an ordered list.
 */
start: number | null, items: Array<Array<TextBlock>>, } | { "type": "quote", blocks: Array<TextBlock>, } | { "type": "code", text: string, } | { "type": "rule" };

/**
 * A run of text inside a block.
 */
export type TextSpan = { "type": "text", text: string, } | { "type": "strong", text: Array<TextSpan>, } | { "type": "emphasis", text: Array<TextSpan>, } | { "type": "code", text: string, } | { "type": "link", href: string, text: Array<TextSpan>, } | { "type": "value", index: number, value: number | null, } | { "type": "break" };

/**
 * Light or dark colours, or the reader's system setting.
 */
export type Theme = "light" | "dark" | "system";

export type Threshold = { value: number, color: string, label: string, };

export type ThresholdBasis = "value" | "attainment";

export type TimeseriesData = { 
/**
 * `raw`, `minute`, `ten_minutes`, `hour`, … as chosen for the range.
 */
bucket: Grain, series: Array<Series>, 
/**
 * True when raw points were cut at the caller's limit ([`MAX_RAW_POINTS`] at most).
 */
truncated: boolean, 
/**
 * Values of the label column without a line of their own: summed into "Other" under
 * `top`, or left out past [`MAX_SERIES`] lines.
 */
hidden_series: number, };

export type TimeseriesSource = { dataset: string, measures: Array<Measure>, 
/**
 * A column whose values split the data into one line each.
 */
series_label?: string | null, 
/**
 * With `series_label`: the lines of the largest values on their own, the rest summed into
 * one "Other" line (at most [`MAX_SERIES`]).
 */
top?: number | null, 
/**
 * A fixed bucket; without it the bucket follows the time range.
 */
grain?: Grain | null, filters?: Array<Filter>, };

/**
 * An override that changes something the version removes.
 */
export type TouchingOverride = { id: string, scope: OverrideScope, paths: Array<string>, };

export type TransitionInput = { to: VersionState, reason: string, };

export type UserPatch = { name?: string, 
/**
 * A password reset by an admin; the user's sessions end.
 */
password?: string, disabled?: boolean, };

export type UserView = { id: string, email: string, name: string, super_admin: boolean, disabled: boolean, created_at: string, 
/**
 * Memberships the viewer may see: all for a super-admin, else the current tenant's.
 */
memberships: Array<MemberView>, };

export type ValueFormat = "number" | "compact" | "currency" | "percent" | "datetime" | "date" | "text";

/**
 * A version's lifecycle: draft → review → published → deprecated → archived; a deprecated
 * version may be published again; archived is final.
 */
export type VersionState = "draft" | "review" | "published" | "deprecated" | "archived";

export type VersionSummary = { number: string, state: VersionState, changelog: string, author: string, reviewer: string | null, parent: string | null, restored_from: string | null, created_at: string, };

/**
 * A version whole: its configuration, how it was numbered, and every state it was in.
 */
export type VersionView = { template: string, 
/**
 * Semver `MAJOR.MINOR.PATCH`.
 */
number: string, 
/**
 * Creation order within the template.
 */
seq: number, state: VersionState, config: JsonValue, changelog: string, author: string, reviewer: string | null, parent: string | null, restored_from: string | null, 
/**
 * The bump the compatibility check required against the parent.
 */
required_bump: Bump | null, 
/**
 * Why a smaller bump than required was made.
 */
forced_reason: string | null, created_at: string, 
/**
 * Oldest first; the first is its creation.
 */
history: Array<StateChangeView>, };

/**
 * A workspace's colours, font, default theme and logo.
 */
export type WorkspaceBranding = { 
/**
 * `#RRGGBB`: headings, links, buttons and the first chart colour.
 */
primary_color?: string | null, 
/**
 * `#RRGGBB`: the second chart colour and highlights.
 */
accent_color?: string | null, 
/**
 * One of the fonts the binary embeds ([`crate::dashboards::FONTS`]).
 */
font?: string | null, theme?: Theme | null, logo?: LogoInfo | null, };

/** Each kind's size when a panel's position names none, in grid columns and rows. */
export const PANEL_DEFAULT_SIZES: Record<PanelKind, { width: number; height: number }> = {
  kpi: { width: 4, height: 1 },
  timeseries: { width: 8, height: 2 },
  table: { width: 12, height: 3 },
  bar: { width: 6, height: 2 },
  health_status: { width: 4, height: 1 },
  pie: { width: 4, height: 2 },
  gauge: { width: 4, height: 2 },
  scatter: { width: 6, height: 2 },
  custom_image: { width: 4, height: 1 },
  custom_template: { width: 4, height: 2 },
  map: { width: 6, height: 3 },
};
