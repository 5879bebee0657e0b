-- The mine's production app, as its PostgreSQL schema looks (local stand-in).
-- Types are deliberately varied: they are what the loader must carry exactly.
DROP TABLE IF EXISTS equipment_status, crusher_throughput, blasts, drill_holes,
    truck_loads, trucks, shifts CASCADE;
DROP TYPE IF EXISTS shift_kind, truck_state, material_kind, equipment_state CASCADE;

CREATE TYPE shift_kind AS ENUM ('day', 'night');
CREATE TYPE truck_state AS ENUM ('operating', 'standby', 'maintenance', 'retired');
CREATE TYPE material_kind AS ENUM ('ore', 'low_grade', 'waste', 'overburden');
CREATE TYPE equipment_state AS ENUM ('running', 'idle', 'down_planned', 'down_unplanned');

CREATE TABLE shifts (
    shift_id        integer PRIMARY KEY,
    shift_date      date NOT NULL,
    kind            shift_kind NOT NULL,
    crew            char(1) NOT NULL,
    local_start     timestamp NOT NULL,          -- wall-clock time at the mine, no zone
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL,
    supervisor      text,
    updated_at      timestamptz NOT NULL
);

CREATE TABLE trucks (
    truck_id            text PRIMARY KEY,            -- 'HT-0042'
    model               text NOT NULL,
    payload_capacity_t  numeric(6,1) NOT NULL,
    commissioned_on     date NOT NULL,
    state               truck_state NOT NULL,
    engine_hours        numeric(9,1),
    attributes          jsonb,
    updated_at          timestamptz NOT NULL
);

CREATE TABLE truck_loads (
    load_id         bigint PRIMARY KEY,
    truck_id        text NOT NULL REFERENCES trucks,
    shift_id        integer NOT NULL REFERENCES shifts,
    shovel_id       text NOT NULL,
    material        material_kind NOT NULL,
    loaded_at       timestamptz NOT NULL,
    dumped_at       timestamptz,
    payload_t       numeric(7,2) NOT NULL,
    grade_cu_pct    numeric(6,4),
    haul_distance_km numeric(6,3) NOT NULL,
    cycle_time_s    integer,
    fuel_used_l     real,
    reweighed       boolean NOT NULL DEFAULT false,
    ticket          uuid NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX truck_loads_updated_at ON truck_loads (updated_at);

CREATE TABLE drill_holes (
    hole_id             bigint PRIMARY KEY,
    pattern             text NOT NULL,
    "BenchLevel"        integer NOT NULL,            -- mixed case survives
    easting             numeric(10,3) NOT NULL,
    northing            numeric(10,3) NOT NULL,
    elevation           numeric(8,3) NOT NULL,
    depth_m             numeric(5,2) NOT NULL,
    diameter_mm         smallint NOT NULL,
    drilled_at          timestamptz NOT NULL,
    rig_id              text NOT NULL,
    penetration_m_h     double precision,
    water_encountered   boolean,
    collar_photo        bytea,
    updated_at          timestamptz NOT NULL
);
CREATE INDEX drill_holes_updated_at ON drill_holes (updated_at);

CREATE TABLE blasts (
    blast_id        integer PRIMARY KEY,
    pattern         text NOT NULL,
    fired_at        timestamptz NOT NULL,
    fire_window     time NOT NULL,                   -- planned local time of day
    explosive_kg    numeric(10,1) NOT NULL,
    hole_count      integer NOT NULL,
    "order"         integer NOT NULL,                -- reserved word survives
    max_ppv_mm_s    numeric(6,2),
    hole_ids        bigint[],
    tags            text[],
    notes           text,
    updated_at      timestamptz NOT NULL
);

CREATE TABLE crusher_throughput (
    crusher_id          text NOT NULL,
    measured_at         timestamptz NOT NULL,
    tonnes_per_hour     numeric(8,2) NOT NULL,
    power_kw            real NOT NULL,
    css_mm              numeric,                     -- unconstrained numeric
    feed_p80_mm         numeric(6,1),
    updated_at          timestamptz NOT NULL,
    PRIMARY KEY (crusher_id, measured_at)
);
CREATE INDEX crusher_throughput_updated_at ON crusher_throughput (updated_at);

CREATE TABLE equipment_status (
    status_id       bigint PRIMARY KEY,
    equipment_id    text NOT NULL,
    state           equipment_state NOT NULL,
    reason_code     text,
    started_at      timestamptz NOT NULL,
    ended_at        timestamptz,
    details         jsonb,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX equipment_status_updated_at ON equipment_status (updated_at);
