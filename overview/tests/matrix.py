from emgplan.tests.matrix import EVERYONE, Rule

RULES = [
    Rule("overview:dashboard", EVERYONE),
    Rule("overview:dashboard", EVERYONE, query="year=2014", note="one year"),
    Rule("overview:lead-body-status", EVERYONE),
    Rule("overview:lead-body-status", EVERYONE, query="year=2015&page=1", note="one year"),
    Rule("overview:timeline", EVERYONE),
    Rule("overview:timeline-pdf", EVERYONE),
    Rule("overview:milestone-list", EVERYONE, query="status=on_track&o=-due"),
    Rule("overview:milestone-export", EVERYONE, args=lambda s: ["csv"]),
    Rule("overview:milestone-export", EVERYONE, args=lambda s: ["xlsx"], note="xlsx"),
    Rule("overview:contribution-list", EVERYONE, query="year=2014"),
    Rule("overview:contribution-export", EVERYONE, args=lambda s: ["csv"]),
    Rule("overview:contribution-export", EVERYONE, args=lambda s: ["xlsx"], note="xlsx"),
    Rule("overview:search", EVERYONE, query="q=biodiversity"),
    Rule("overview:as-of", EVERYONE, method="POST", data=lambda s: {"as_of": "2014-06-15", "next": "/dashboard/"}),
]
