-- The mine's SAP ERP as SAP on Oracle stores it (schema SAPSR3), for the local PostgreSQL.
--
-- Oracle's names are kept: tables and columns are upper case, so PostgreSQL needs them quoted
-- (sapsr3."EQUI"."EQUNR"); the schema is lower-case sapsr3, which is what Oracle's SAPSR3 folds to.
-- SAP's types as its Oracle DBSL creates them:
--   CLNT/CHAR/NUMC/DATS/TIMS/CUKY/UNIT/LANG -> VARCHAR2(n) -> varchar(n), n = SAP's length
--   QUAN/CURR/DEC                           -> NUMBER(p,s)  -> numeric(p,s)
-- and every column NOT NULL with SAP's initial value as default: ' ' for CHAR (an empty field is
-- one blank, never NULL), zeros for NUMC ('00000'), '00000000' for an empty date, '000000' for an
-- empty time, 0 for numbers. Keys are the tables' primary indexes (TABLE~0), client MANDT first.
-- Field lengths are those of an ECC 6.0 system (MATNR 18; S/4HANA has 40).
DROP SCHEMA IF EXISTS sapsr3 CASCADE;
CREATE SCHEMA sapsr3;

-- Plant maintenance: technical objects -----------------------------------------------------

-- Equipment master data
CREATE TABLE sapsr3."EQUI" (
    "MANDT"  varchar(3)  NOT NULL DEFAULT '000',
    "EQUNR"  varchar(18) NOT NULL DEFAULT ' ',          -- equipment number (internal: 18 digits)
    "ERDAT"  varchar(8)  NOT NULL DEFAULT '00000000',   -- created on
    "ERNAM"  varchar(12) NOT NULL DEFAULT ' ',
    "AEDAT"  varchar(8)  NOT NULL DEFAULT '00000000',   -- changed on ('00000000': never changed)
    "AENAM"  varchar(12) NOT NULL DEFAULT ' ',
    "EQTYP"  varchar(1)  NOT NULL DEFAULT ' ',          -- equipment category (M = machines)
    "EQART"  varchar(10) NOT NULL DEFAULT ' ',          -- object type
    "HERST"  varchar(30) NOT NULL DEFAULT ' ',          -- manufacturer
    "TYPBZ"  varchar(20) NOT NULL DEFAULT ' ',          -- model number
    "SERGE"  varchar(30) NOT NULL DEFAULT ' ',          -- manufacturer serial number
    "BAUJJ"  varchar(4)  NOT NULL DEFAULT ' ',          -- construction year
    "INBDT"  varchar(8)  NOT NULL DEFAULT '00000000',   -- start-up date
    "ANSWT"  numeric(13,2) NOT NULL DEFAULT 0,          -- acquisition value
    "WAERS"  varchar(5)  NOT NULL DEFAULT ' ',
    "TIDNR"  varchar(25) NOT NULL DEFAULT ' ',          -- technical identification (fleet tag HT-0042)
    "OBJNR"  varchar(22) NOT NULL DEFAULT ' ',          -- status object 'IE' + EQUNR
    PRIMARY KEY ("MANDT", "EQUNR")
);

-- Equipment short texts, one per language
CREATE TABLE sapsr3."EQKT" (
    "MANDT"  varchar(3)  NOT NULL DEFAULT '000',
    "EQUNR"  varchar(18) NOT NULL DEFAULT ' ',
    "SPRAS"  varchar(1)  NOT NULL DEFAULT ' ',          -- language (E English, S Spanish)
    "EQKTX"  varchar(40) NOT NULL DEFAULT ' ',
    PRIMARY KEY ("MANDT", "EQUNR", "SPRAS")
);

-- Equipment time segments: where (ILOAN) and under which superior equipment (HEQUI) it is installed
CREATE TABLE sapsr3."EQUZ" (
    "MANDT"  varchar(3)  NOT NULL DEFAULT '000',
    "EQUNR"  varchar(18) NOT NULL DEFAULT ' ',
    "DATBI"  varchar(8)  NOT NULL DEFAULT '00000000',   -- valid to ('99991231': current segment)
    "EQLFN"  varchar(3)  NOT NULL DEFAULT '000',        -- consecutive number (NUMC 3)
    "DATAB"  varchar(8)  NOT NULL DEFAULT '00000000',
    "ERDAT"  varchar(8)  NOT NULL DEFAULT '00000000',
    "AEDAT"  varchar(8)  NOT NULL DEFAULT '00000000',
    "IWERK"  varchar(4)  NOT NULL DEFAULT ' ',          -- maintenance planning plant
    "ILOAN"  varchar(12) NOT NULL DEFAULT ' ',          -- location and account assignment (ILOA)
    "HEQUI"  varchar(18) NOT NULL DEFAULT ' ',          -- superior equipment (engine -> truck)
    PRIMARY KEY ("MANDT", "EQUNR", "DATBI", "EQLFN")
);

-- Functional locations
CREATE TABLE sapsr3."IFLOT" (
    "MANDT"  varchar(3)  NOT NULL DEFAULT '000',
    "TPLNR"  varchar(30) NOT NULL DEFAULT ' ',          -- functional location, MINE-PIT1-HAUL
    "FLTYP"  varchar(1)  NOT NULL DEFAULT ' ',          -- category (M = technical system)
    "TPLMA"  varchar(30) NOT NULL DEFAULT ' ',          -- superior functional location
    "ERDAT"  varchar(8)  NOT NULL DEFAULT '00000000',
    "ERNAM"  varchar(12) NOT NULL DEFAULT ' ',
    "AEDAT"  varchar(8)  NOT NULL DEFAULT '00000000',
    "AENAM"  varchar(12) NOT NULL DEFAULT ' ',
    "IWERK"  varchar(4)  NOT NULL DEFAULT ' ',
    "ILOAN"  varchar(12) NOT NULL DEFAULT ' ',          -- its location data: ILOA (SWERK, STORT, KOSTL)
    "OBJNR"  varchar(22) NOT NULL DEFAULT ' ',          -- 'IF' + TPLNR
    PRIMARY KEY ("MANDT", "TPLNR")
);

-- PM object location and account assignment (of functional locations, equipment, orders, notifications)
CREATE TABLE sapsr3."ILOA" (
    "MANDT"  varchar(3)  NOT NULL DEFAULT '000',
    "ILOAN"  varchar(12) NOT NULL DEFAULT ' ',
    "TPLNR"  varchar(30) NOT NULL DEFAULT ' ',          -- functional location
    "SWERK"  varchar(4)  NOT NULL DEFAULT ' ',          -- maintenance plant
    "STORT"  varchar(10) NOT NULL DEFAULT ' ',          -- location
    "BUKRS"  varchar(4)  NOT NULL DEFAULT ' ',
    "KOKRS"  varchar(4)  NOT NULL DEFAULT ' ',
    "KOSTL"  varchar(10) NOT NULL DEFAULT ' ',          -- cost center
    PRIMARY KEY ("MANDT", "ILOAN")
);

-- Plant maintenance: orders and notifications ------------------------------------------------

-- Order master data (all order types; PM orders have AUTYP 30)
CREATE TABLE sapsr3."AUFK" (
    "MANDT"  varchar(3)  NOT NULL DEFAULT '000',
    "AUFNR"  varchar(12) NOT NULL DEFAULT ' ',          -- order number, 12 digits
    "AUART"  varchar(4)  NOT NULL DEFAULT ' ',          -- order type PM01/PM02/PM03
    "AUTYP"  varchar(2)  NOT NULL DEFAULT '00',         -- order category (NUMC 2)
    "ERNAM"  varchar(12) NOT NULL DEFAULT ' ',
    "ERDAT"  varchar(8)  NOT NULL DEFAULT '00000000',
    "AEDAT"  varchar(8)  NOT NULL DEFAULT '00000000',
    "KTEXT"  varchar(40) NOT NULL DEFAULT ' ',
    "WERKS"  varchar(4)  NOT NULL DEFAULT ' ',
    "OBJNR"  varchar(22) NOT NULL DEFAULT ' ',          -- 'OR' + AUFNR
    "KOSTV"  varchar(10) NOT NULL DEFAULT ' ',          -- responsible cost center
    "LOEKZ"  varchar(1)  NOT NULL DEFAULT ' ',          -- deletion flag 'X'
    PRIMARY KEY ("MANDT", "AUFNR")
);

-- Maintenance order header. Its functional location is in ILOA (via ILOAN): AFIH has no TPLNR.
CREATE TABLE sapsr3."AFIH" (
    "MANDT"  varchar(3)  NOT NULL DEFAULT '000',
    "AUFNR"  varchar(12) NOT NULL DEFAULT ' ',
    "PRIOK"  varchar(1)  NOT NULL DEFAULT ' ',          -- priority 1 (very high) .. 4 (low)
    "EQUNR"  varchar(18) NOT NULL DEFAULT ' ',
    "ILOAN"  varchar(12) NOT NULL DEFAULT ' ',
    "IWERK"  varchar(4)  NOT NULL DEFAULT ' ',
    "QMNUM"  varchar(12) NOT NULL DEFAULT ' ',          -- the notification it came from
    "IPHAS"  varchar(1)  NOT NULL DEFAULT ' ',          -- phase 0 open, 2 released, 3 TECO, 4 deleted, 6 closed
    "ILART"  varchar(3)  NOT NULL DEFAULT ' ',          -- maintenance activity type
    PRIMARY KEY ("MANDT", "AUFNR")
);

-- Order header data PP/PM: dates
CREATE TABLE sapsr3."AFKO" (
    "MANDT"  varchar(3)  NOT NULL DEFAULT '000',
    "AUFNR"  varchar(12) NOT NULL DEFAULT ' ',
    "GSTRP"  varchar(8)  NOT NULL DEFAULT '00000000',   -- basic start date
    "GLTRP"  varchar(8)  NOT NULL DEFAULT '00000000',   -- basic finish date
    "GSTRS"  varchar(8)  NOT NULL DEFAULT '00000000',   -- scheduled start
    "GSUZS"  varchar(6)  NOT NULL DEFAULT '000000',     -- scheduled start time
    "FTRMI"  varchar(8)  NOT NULL DEFAULT '00000000',   -- actual release date
    "GETRI"  varchar(8)  NOT NULL DEFAULT '00000000',   -- confirmed finish date
    "GEUZI"  varchar(6)  NOT NULL DEFAULT '000000',     -- confirmed finish time
    PRIMARY KEY ("MANDT", "AUFNR")
);

-- Notification header. Equipment and location of a PM notification are in QMIH, not QMEL.
CREATE TABLE sapsr3."QMEL" (
    "MANDT"  varchar(3)  NOT NULL DEFAULT '000',
    "QMNUM"  varchar(12) NOT NULL DEFAULT ' ',
    "QMART"  varchar(2)  NOT NULL DEFAULT ' ',          -- M1 maintenance request, M2 malfunction report
    "QMTXT"  varchar(40) NOT NULL DEFAULT ' ',
    "ERNAM"  varchar(12) NOT NULL DEFAULT ' ',
    "ERDAT"  varchar(8)  NOT NULL DEFAULT '00000000',
    "ERZEIT" varchar(6)  NOT NULL DEFAULT '000000',
    "AEDAT"  varchar(8)  NOT NULL DEFAULT '00000000',
    "QMDAT"  varchar(8)  NOT NULL DEFAULT '00000000',   -- notification date
    "MZEIT"  varchar(6)  NOT NULL DEFAULT '000000',     -- notification time
    "QMNAM"  varchar(12) NOT NULL DEFAULT ' ',          -- reported by
    "PRIOK"  varchar(1)  NOT NULL DEFAULT ' ',
    "STRMN"  varchar(8)  NOT NULL DEFAULT '00000000',   -- required start
    "LTRMN"  varchar(8)  NOT NULL DEFAULT '00000000',   -- required end
    "AUFNR"  varchar(12) NOT NULL DEFAULT ' ',          -- the order created for it
    "OBJNR"  varchar(22) NOT NULL DEFAULT ' ',          -- 'QM' + QMNUM
    PRIMARY KEY ("MANDT", "QMNUM")
);

-- Notification maintenance data: the technical object and the breakdown
CREATE TABLE sapsr3."QMIH" (
    "MANDT"  varchar(3)  NOT NULL DEFAULT '000',
    "QMNUM"  varchar(12) NOT NULL DEFAULT ' ',
    "EQUNR"  varchar(18) NOT NULL DEFAULT ' ',
    "ILOAN"  varchar(12) NOT NULL DEFAULT ' ',
    "IWERK"  varchar(4)  NOT NULL DEFAULT ' ',
    "INGRP"  varchar(3)  NOT NULL DEFAULT ' ',          -- planner group
    "MSAUS"  varchar(1)  NOT NULL DEFAULT ' ',          -- breakdown 'X'
    "AUSVN"  varchar(8)  NOT NULL DEFAULT '00000000',   -- malfunction start date
    "AUZTV"  varchar(6)  NOT NULL DEFAULT '000000',
    "AUSBS"  varchar(8)  NOT NULL DEFAULT '00000000',   -- malfunction end date
    "AUZTB"  varchar(6)  NOT NULL DEFAULT '000000',
    PRIMARY KEY ("MANDT", "QMNUM")
);

-- Materials management ------------------------------------------------------------------------

CREATE TABLE sapsr3."MARA" (
    "MANDT"  varchar(3)  NOT NULL DEFAULT '000',
    "MATNR"  varchar(18) NOT NULL DEFAULT ' ',          -- material number (internal: 18 digits)
    "ERSDA"  varchar(8)  NOT NULL DEFAULT '00000000',   -- created on
    "LAEDA"  varchar(8)  NOT NULL DEFAULT '00000000',   -- last change
    "MTART"  varchar(4)  NOT NULL DEFAULT ' ',          -- ERSA spare parts, HIBE operating supplies
    "MATKL"  varchar(9)  NOT NULL DEFAULT ' ',          -- material group
    "MEINS"  varchar(3)  NOT NULL DEFAULT ' ',          -- base unit (internal: ST = piece)
    "BRGEW"  numeric(13,3) NOT NULL DEFAULT 0,
    "NTGEW"  numeric(13,3) NOT NULL DEFAULT 0,
    "GEWEI"  varchar(3)  NOT NULL DEFAULT ' ',
    "LVORM"  varchar(1)  NOT NULL DEFAULT ' ',          -- flagged for deletion 'X'
    PRIMARY KEY ("MANDT", "MATNR")
);

CREATE TABLE sapsr3."MAKT" (
    "MANDT"  varchar(3)  NOT NULL DEFAULT '000',
    "MATNR"  varchar(18) NOT NULL DEFAULT ' ',
    "SPRAS"  varchar(1)  NOT NULL DEFAULT ' ',
    "MAKTX"  varchar(40) NOT NULL DEFAULT ' ',
    "MAKTG"  varchar(40) NOT NULL DEFAULT ' ',          -- MAKTX in upper case, for matchcodes
    PRIMARY KEY ("MANDT", "MATNR", "SPRAS")
);

-- Storage location stock
CREATE TABLE sapsr3."MARD" (
    "MANDT"  varchar(3)  NOT NULL DEFAULT '000',
    "MATNR"  varchar(18) NOT NULL DEFAULT ' ',
    "WERKS"  varchar(4)  NOT NULL DEFAULT ' ',
    "LGORT"  varchar(4)  NOT NULL DEFAULT ' ',
    "LVORM"  varchar(1)  NOT NULL DEFAULT ' ',
    "ERSDA"  varchar(8)  NOT NULL DEFAULT '00000000',
    "LABST"  numeric(13,3) NOT NULL DEFAULT 0,          -- unrestricted
    "INSME"  numeric(13,3) NOT NULL DEFAULT 0,          -- in quality inspection
    "SPEME"  numeric(13,3) NOT NULL DEFAULT 0,          -- blocked
    PRIMARY KEY ("MANDT", "MATNR", "WERKS", "LGORT")
);

-- Material document header
CREATE TABLE sapsr3."MKPF" (
    "MANDT"  varchar(3)  NOT NULL DEFAULT '000',
    "MBLNR"  varchar(10) NOT NULL DEFAULT ' ',
    "MJAHR"  varchar(4)  NOT NULL DEFAULT '0000',       -- NUMC 4
    "VGART"  varchar(2)  NOT NULL DEFAULT ' ',          -- transaction type WA issue, WE receipt
    "BLART"  varchar(2)  NOT NULL DEFAULT ' ',
    "BLDAT"  varchar(8)  NOT NULL DEFAULT '00000000',   -- document date
    "BUDAT"  varchar(8)  NOT NULL DEFAULT '00000000',   -- posting date
    "CPUDT"  varchar(8)  NOT NULL DEFAULT '00000000',   -- entered on
    "CPUTM"  varchar(6)  NOT NULL DEFAULT '000000',     -- entered at
    "USNAM"  varchar(12) NOT NULL DEFAULT ' ',
    "XBLNR"  varchar(16) NOT NULL DEFAULT ' ',          -- reference (delivery note)
    PRIMARY KEY ("MANDT", "MBLNR", "MJAHR")
);

-- Material document items
CREATE TABLE sapsr3."MSEG" (
    "MANDT"  varchar(3)  NOT NULL DEFAULT '000',
    "MBLNR"  varchar(10) NOT NULL DEFAULT ' ',
    "MJAHR"  varchar(4)  NOT NULL DEFAULT '0000',
    "ZEILE"  varchar(4)  NOT NULL DEFAULT '0000',       -- item (NUMC 4)
    "BWART"  varchar(3)  NOT NULL DEFAULT ' ',          -- movement type 101/201/261/262
    "MATNR"  varchar(18) NOT NULL DEFAULT ' ',
    "WERKS"  varchar(4)  NOT NULL DEFAULT ' ',
    "LGORT"  varchar(4)  NOT NULL DEFAULT ' ',
    "CHARG"  varchar(10) NOT NULL DEFAULT ' ',          -- batch
    "SHKZG"  varchar(1)  NOT NULL DEFAULT ' ',          -- S debit (stock in), H credit (stock out)
    "WAERS"  varchar(5)  NOT NULL DEFAULT ' ',
    "DMBTR"  numeric(13,2) NOT NULL DEFAULT 0,          -- amount in local currency
    "MENGE"  numeric(13,3) NOT NULL DEFAULT 0,          -- quantity in base unit
    "MEINS"  varchar(3)  NOT NULL DEFAULT ' ',
    "ERFMG"  numeric(13,3) NOT NULL DEFAULT 0,          -- quantity in unit of entry
    "ERFME"  varchar(3)  NOT NULL DEFAULT ' ',
    "EBELN"  varchar(10) NOT NULL DEFAULT ' ',          -- purchase order (101)
    "EBELP"  varchar(5)  NOT NULL DEFAULT '00000',      -- its item (NUMC 5)
    "AUFNR"  varchar(12) NOT NULL DEFAULT ' ',          -- order (261/262)
    "KOSTL"  varchar(10) NOT NULL DEFAULT ' ',          -- cost center (201)
    "SGTXT"  varchar(50) NOT NULL DEFAULT ' ',
    "CPUDT_MKPF" varchar(8) NOT NULL DEFAULT '00000000', -- header's entry date, copied to the item
    "CPUTM_MKPF" varchar(6) NOT NULL DEFAULT '000000',
    PRIMARY KEY ("MANDT", "MBLNR", "MJAHR", "ZEILE")
);

-- Purchasing document header. AEDAT here is the creation date (SAP's label: "Created on").
CREATE TABLE sapsr3."EKKO" (
    "MANDT"  varchar(3)  NOT NULL DEFAULT '000',
    "EBELN"  varchar(10) NOT NULL DEFAULT ' ',
    "BUKRS"  varchar(4)  NOT NULL DEFAULT ' ',
    "BSTYP"  varchar(1)  NOT NULL DEFAULT ' ',          -- F purchase order
    "BSART"  varchar(4)  NOT NULL DEFAULT ' ',          -- NB standard PO, FO framework order
    "LOEKZ"  varchar(1)  NOT NULL DEFAULT ' ',          -- purchasing deletion indicator: L deleted
    "AEDAT"  varchar(8)  NOT NULL DEFAULT '00000000',
    "ERNAM"  varchar(12) NOT NULL DEFAULT ' ',
    "LIFNR"  varchar(10) NOT NULL DEFAULT ' ',          -- vendor
    "EKORG"  varchar(4)  NOT NULL DEFAULT ' ',
    "EKGRP"  varchar(3)  NOT NULL DEFAULT ' ',
    "WAERS"  varchar(5)  NOT NULL DEFAULT ' ',
    "BEDAT"  varchar(8)  NOT NULL DEFAULT '00000000',   -- purchasing document date
    PRIMARY KEY ("MANDT", "EBELN")
);

-- Purchasing document items (their currency is the header's EKKO-WAERS; EKPO has none)
CREATE TABLE sapsr3."EKPO" (
    "MANDT"  varchar(3)  NOT NULL DEFAULT '000',
    "EBELN"  varchar(10) NOT NULL DEFAULT ' ',
    "EBELP"  varchar(5)  NOT NULL DEFAULT '00000',      -- item 00010, 00020, ...
    "LOEKZ"  varchar(1)  NOT NULL DEFAULT ' ',
    "AEDAT"  varchar(8)  NOT NULL DEFAULT '00000000',   -- item change date
    "TXZ01"  varchar(40) NOT NULL DEFAULT ' ',
    "MATNR"  varchar(18) NOT NULL DEFAULT ' ',
    "WERKS"  varchar(4)  NOT NULL DEFAULT ' ',
    "LGORT"  varchar(4)  NOT NULL DEFAULT ' ',
    "MATKL"  varchar(9)  NOT NULL DEFAULT ' ',
    "MENGE"  numeric(13,3) NOT NULL DEFAULT 0,
    "MEINS"  varchar(3)  NOT NULL DEFAULT ' ',
    "NETPR"  numeric(11,2) NOT NULL DEFAULT 0,          -- net price per PEINH units
    "PEINH"  numeric(5,0)  NOT NULL DEFAULT 0,          -- price unit
    "NETWR"  numeric(13,2) NOT NULL DEFAULT 0,          -- net order value
    PRIMARY KEY ("MANDT", "EBELN", "EBELP")
);

-- Controlling -----------------------------------------------------------------------------------

-- Cost center master data, time-dependent (valid DATAB..DATBI)
CREATE TABLE sapsr3."CSKS" (
    "MANDT"  varchar(3)  NOT NULL DEFAULT '000',
    "KOKRS"  varchar(4)  NOT NULL DEFAULT ' ',          -- controlling area
    "KOSTL"  varchar(10) NOT NULL DEFAULT ' ',
    "DATBI"  varchar(8)  NOT NULL DEFAULT '00000000',   -- valid to
    "DATAB"  varchar(8)  NOT NULL DEFAULT '00000000',   -- valid from
    "ERSDA"  varchar(8)  NOT NULL DEFAULT '00000000',
    "KOSAR"  varchar(1)  NOT NULL DEFAULT ' ',          -- category F production, H service, V admin
    "VERAK"  varchar(20) NOT NULL DEFAULT ' ',          -- person responsible
    "BUKRS"  varchar(4)  NOT NULL DEFAULT ' ',
    "WAERS"  varchar(5)  NOT NULL DEFAULT ' ',
    PRIMARY KEY ("MANDT", "KOKRS", "KOSTL", "DATBI")
);

-- Customer table -------------------------------------------------------------------------------

-- The mine's shift log, in the customer's registered namespace /MINE/ (fields "/MINE/...")
CREATE TABLE sapsr3."ZMINE_SHIFTLOG" (
    "MANDT"       varchar(3)   NOT NULL DEFAULT '000',
    "LOGID"       varchar(10)  NOT NULL DEFAULT '0000000000',  -- NUMC 10
    "/MINE/SHIFT" varchar(1)   NOT NULL DEFAULT ' ',           -- D day, N night
    "/MINE/CREW"  varchar(2)   NOT NULL DEFAULT ' ',           -- crew A..D
    "ERDAT"       varchar(8)   NOT NULL DEFAULT '00000000',
    "ERZET"       varchar(6)   NOT NULL DEFAULT '000000',
    "AEDAT"       varchar(8)   NOT NULL DEFAULT '00000000',
    "TEXT"        varchar(132) NOT NULL DEFAULT ' ',
    PRIMARY KEY ("MANDT", "LOGID")
);
