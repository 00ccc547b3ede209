"""Bank statement exports read into rows: file formats (`sheets`), cells
(`statement_cells`), one layout per bank (`bank_layouts`), the title and
footer lines (`statement_meta`) and the rows (`statement_parser`)."""
