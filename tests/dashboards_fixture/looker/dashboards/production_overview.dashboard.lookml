- dashboard: production_overview
  title: Production overview (fixture)
  layout: newspaper
  description: "Tonnes hauled in the demo's shifts: a fixture for the local dashboards' tests."
  elements:
  - name: total_hauled
    title: Tonnes hauled
    model: minera
    explore: tonnes_by_shift
    type: single_value
    fields: [tonnes_by_shift.hauled_t]
    row: 0
    col: 0
    width: 6
    height: 3
  - name: ore_loads
    title: Ore loads
    model: minera
    explore: tonnes_by_shift
    type: single_value
    fields: [tonnes_by_shift.loads]
    filters:
      tonnes_by_shift.is_ore: yes
    row: 0
    col: 6
    width: 6
    height: 3
  - name: average_load
    title: Average load (t)
    model: minera
    explore: tonnes_by_shift
    type: single_value
    fields: [tonnes_by_shift.average_load_t]
    row: 0
    col: 12
    width: 6
    height: 3
  - name: shifts
    title: Shifts
    model: minera
    explore: tonnes_by_shift
    type: single_value
    fields: [tonnes_by_shift.shifts]
    row: 0
    col: 18
    width: 6
    height: 3
  - name: hauled_by_pit_material
    title: Tonnes by pit and material
    model: minera
    explore: tonnes_by_shift
    type: looker_column
    fields: [tonnes_by_shift.pit, tonnes_by_shift.material, tonnes_by_shift.hauled_t]
    sorts: [tonnes_by_shift.pit]
    row: 3
    col: 0
    width: 12
    height: 7
  - name: hauled_by_shift
    title: Tonnes and loads by shift start
    model: minera
    explore: tonnes_by_shift
    type: looker_line
    fields: [tonnes_by_shift.shift_started_hour, tonnes_by_shift.hauled_t, tonnes_by_shift.loads]
    sorts: [tonnes_by_shift.shift_started_hour]
    row: 3
    col: 12
    width: 12
    height: 7
  - name: loads_by_crew
    title: Loads by crew (not night)
    model: minera
    explore: tonnes_by_shift
    type: looker_bar
    fields: [tonnes_by_shift.crew, tonnes_by_shift.loads]
    filters:
      tonnes_by_shift.shift_kind: "-night"
    sorts: [tonnes_by_shift.loads desc]
    row: 10
    col: 0
    width: 8
    height: 6
  - name: hauled_by_day
    title: Tonnes by day and kind
    model: minera
    explore: tonnes_by_shift
    type: looker_area
    fields: [tonnes_by_shift.shift_date, tonnes_by_shift.shift_kind, tonnes_by_shift.hauled_t]
    row: 10
    col: 8
    width: 16
    height: 6
  - name: shifts_table
    title: Last shifts
    model: minera
    explore: tonnes_by_shift
    type: looker_grid
    fields: [tonnes_by_shift.shift_started_time, tonnes_by_shift.shift_kind, tonnes_by_shift.hauled_t,
      tonnes_by_shift.loads, tonnes_by_shift.count]
    sorts: [tonnes_by_shift.shift_started_time desc]
    limit: 10
    row: 16
    col: 0
    width: 24
    height: 8
