"""What Prod beta declares and the national cloud's beta schema lacks, as the tests of
metadata findings expect it."""

USNAT_LACKS = [
    "itemFacet.isSearchable",
    "itemFacet.sources",
    "relatedPerson.userId",
    "positionDetail.layer",
    "positionDetail.level",
    "positionDetail.secondaryJobTitle",
    "positionDetail.secondaryRole",
    "companyDetail.companyCode",
    "companyDetail.secondaryDepartment",
]
"""../shared/reference/graph-metadata/README.md's table, for workPosition's types."""
