- dashboard: rock_quality
  title: Rock quality
  layout: newspaper
  description: "The lab's rock quality per blast and per zone: RQD, strength (UCS) and copper equivalent
    grade, from the samples of each blast's drill holes."
  elements:
  - name: blasts_sampled
    title: Blasts
    model: minera
    explore: rock_quality_by_blast
    type: single_value
    fields: [rock_quality_by_blast.count]
    row: 0
    col: 0
    width: 8
    height: 3
  - name: samples_total
    title: Samples
    model: minera
    explore: rock_quality_by_blast
    type: single_value
    fields: [rock_quality_by_blast.total_sample_count]
    row: 0
    col: 8
    width: 8
    height: 3
  - name: mean_rqd
    title: Mean RQD (%)
    model: minera
    explore: rock_quality_by_zone_day
    type: single_value
    fields: [rock_quality_by_zone_day.average_rqd_pct]
    row: 0
    col: 16
    width: 8
    height: 3
  - name: rqd_by_blast
    title: RQD (%) by blast
    model: minera
    explore: rock_quality_by_blast
    type: looker_column
    fields: [rock_quality_by_blast.blast_pattern, rock_quality_by_blast.average_rqd_pct]
    sorts: [rock_quality_by_blast.blast_pattern asc]
    limit: 500
    row: 3
    col: 0
    width: 12
    height: 7
  - name: strength_and_grade_by_zone
    title: UCS (MPa) and Cu equivalent (%) by zone
    model: minera
    explore: rock_quality_by_zone_day
    type: looker_column
    fields: [rock_quality_by_zone_day.zone, rock_quality_by_zone_day.average_ucs_mpa,
      rock_quality_by_zone_day.average_cu_equivalent_pct]
    sorts: [rock_quality_by_zone_day.zone asc]
    limit: 500
    row: 3
    col: 12
    width: 12
    height: 7
  - name: rqd_by_zone_and_day
    title: RQD (%) by day drilled, per zone
    model: minera
    explore: rock_quality_by_zone_day
    type: looker_line
    fields: [rock_quality_by_zone_day.drilled_date, rock_quality_by_zone_day.zone,
      rock_quality_by_zone_day.average_rqd_pct]
    sorts: [rock_quality_by_zone_day.drilled_date asc]
    limit: 500
    row: 10
    col: 0
    width: 24
    height: 7
  - name: blasts
    title: Blasts and their rock
    model: minera
    explore: rock_quality_by_blast
    type: looker_grid
    fields: [rock_quality_by_blast.blast_pattern, rock_quality_by_blast.fired_date, rock_quality_by_blast.zone,
      rock_quality_by_blast.hole_count, rock_quality_by_blast.sample_count, rock_quality_by_blast.rqd_pct,
      rock_quality_by_blast.ucs_mpa, rock_quality_by_blast.cu_equivalent_pct]
    sorts: [rock_quality_by_blast.fired_date desc]
    limit: 100
    row: 17
    col: 0
    width: 24
    height: 8
