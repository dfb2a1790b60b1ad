"""Every kind of doc-lint finding, with what it means: the one list the rules, the report
readers and the tests agree on (a finding of any other kind is a programming error)."""

from __future__ import annotations

from collections.abc import Mapping

FINDING_KINDS: Mapping[str, str] = {
    "page.front-matter": "the YAML front matter is unclosed or not YAML",
    "page.annotation": "a blockType comment is not valid JSON",
    "page.unclosed-fence": "a code fence is never closed",
    "page.unknown-type": "a facet page documents a type the metadata does not declare",
    "example.invalid-json": "an example body is not JSON",
    "example.request-invalid": "a request example violates the request schema",
    "example.response-invalid": "a response example violates the response schema",
    "example.read-only-in-request": "a request example sets a read-only property",
    "example.null-collection": "an example gives a collection as null",
    "example.odata-type-without-hash": "an @odata.type value lacks its leading '#'",
    "example.invalid-date": "an Edm.Date value is not an ISO 8601 date",
    "example.invalid-datetime": "an Edm.DateTimeOffset value is not an ISO 8601 date-time",
    "example.invalid-enum": "an enum value is not a member",
    "example.placeholder-value": 'a value is a type name placeholder such as "String"',
    "table.type-mismatch": "a property table gives another type than the metadata",
    "table.enum-members": "a property table lists other enum members than the metadata",
    "table.read-only-in-request": "the request-body table lists a read-only property",
    "table.extra-property": "a property table lists a property the type does not have",
    "table.missing-property": "a property table leaves out a property of the type",
    "path.collection-url": "an Update request line targets the collection, not one item",
    "path.singular-user": "a request line says /user/ for /users/",
    "path.unknown": "a request line is not one of the operation's documented paths",
    "placeholder.todo": "a TODO placeholder is left in the page",
    "permissions.disagree": "the permissions table disagrees with the other page's",
    "difference.path": "a request path is in one page and not the other",
    "difference.permissions": "a permission row differs between the pages",
    "difference.properties": "a property row differs between the pages",
    "difference.examples": "an example body differs between the pages",
}
