"""The monthly report (sao kê tháng) per fund: figures (`month_figures`), what
the public may read of donors (`donor_names`), the files under
var/reports/YYYY-MM/ (`report_files`), and the schedule (`report_schedule`)."""
