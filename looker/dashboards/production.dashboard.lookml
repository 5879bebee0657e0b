- dashboard: production
  title: Production
  layout: newspaper
  description: "Tonnes hauled per shift, pit and material, the trucks' cycle times, and the crushers'
    throughput, from the production app."
  elements:
  - name: tonnes_hauled
    title: Tonnes hauled
    model: minera
    explore: tonnes_by_shift
    type: single_value
    fields: [tonnes_by_shift.total_hauled_t]
    row: 0
    col: 0
    width: 8
    height: 3
  - name: truck_loads_total
    title: Truck loads
    model: minera
    explore: tonnes_by_shift
    type: single_value
    fields: [tonnes_by_shift.total_loads]
    row: 0
    col: 8
    width: 8
    height: 3
  - name: tonnes_crushed
    title: Tonnes crushed
    model: minera
    explore: crusher_throughput_by_shift
    type: single_value
    fields: [crusher_throughput_by_shift.total_crushed_t]
    row: 0
    col: 16
    width: 8
    height: 3
  - name: tonnes_per_shift
    title: Tonnes per shift (by day and shift)
    model: minera
    explore: tonnes_by_shift
    type: looker_column
    fields: [tonnes_by_shift.shift_date, tonnes_by_shift.shift_kind, tonnes_by_shift.total_hauled_t]
    sorts: [tonnes_by_shift.shift_date asc]
    limit: 500
    row: 3
    col: 0
    width: 24
    height: 7
  - name: tonnes_by_pit_and_material
    title: Tonnes by pit and material
    model: minera
    explore: tonnes_by_shift
    type: looker_bar
    fields: [tonnes_by_shift.pit, tonnes_by_shift.material, tonnes_by_shift.total_hauled_t]
    sorts: [tonnes_by_shift.pit asc]
    limit: 500
    row: 10
    col: 0
    width: 12
    height: 7
  - name: cycle_times
    title: Truck cycle times per day (s), mean and 90th percentile
    model: minera
    explore: cycle_times_by_shift
    type: looker_line
    fields: [cycle_times_by_shift.shift_date, cycle_times_by_shift.average_mean_cycle_time_s,
      cycle_times_by_shift.average_p90_cycle_time_s]
    sorts: [cycle_times_by_shift.shift_date asc]
    limit: 500
    row: 10
    col: 12
    width: 12
    height: 7
  - name: crusher_throughput
    title: Tonnes crushed per day, by crusher
    model: minera
    explore: crusher_throughput_by_shift
    type: looker_column
    fields: [crusher_throughput_by_shift.shift_date, crusher_throughput_by_shift.crusher_id,
      crusher_throughput_by_shift.total_crushed_t]
    sorts: [crusher_throughput_by_shift.shift_date asc]
    limit: 500
    row: 17
    col: 0
    width: 12
    height: 7
  - name: crusher_rate
    title: Mean crusher throughput (t/h) by shift kind
    model: minera
    explore: crusher_throughput_by_shift
    type: looker_column
    fields: [crusher_throughput_by_shift.shift_kind, crusher_throughput_by_shift.average_mean_throughput_t_h]
    sorts: [crusher_throughput_by_shift.shift_kind asc]
    limit: 500
    row: 17
    col: 12
    width: 12
    height: 7
