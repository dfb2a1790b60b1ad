"""The CSDL reader on small documents: inheritance, abstract and open types, enums and flags,
nullability, collections, containment, Core read-only annotations, and bad documents."""

import pytest

from graphcontract.csdl import access_of, facts_for, read_csdl
from graphcontract.errors import ContractDataError

DOC = b"""<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:Reference Uri="https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Core.V1.xml">
    <edmx:Include Namespace="Org.OData.Core.V1" Alias="Core" />
  </edmx:Reference>
  <edmx:DataServices>
    <Schema Namespace="microsoft.graph" Alias="graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EnumType Name="audiences" IsFlags="true">
        <Member Name="me" Value="0" />
        <Member Name="family" Value="1" />
        <Member Name="contacts" Value="2" />
      </EnumType>
      <EnumType Name="level">
        <Member Name="low" />
        <Member Name="high" />
      </EnumType>
      <ComplexType Name="base" OpenType="true">
        <Property Name="note" Type="Edm.String" />
      </ComplexType>
      <ComplexType Name="detail" BaseType="graph.base">
        <Property Name="tags" Type="Collection(Edm.String)" Nullable="false" />
        <Property Name="level" Type="graph.level" />
      </ComplexType>
      <EntityType Name="entity" Abstract="true">
        <Key><PropertyRef Name="id" /></Key>
        <Property Name="id" Type="Edm.String" Nullable="false" />
      </EntityType>
      <EntityType Name="facet" BaseType="graph.entity" Abstract="true">
        <Property Name="audiences" Type="graph.audiences" />
        <Property Name="stamp" Type="Edm.DateTimeOffset">
          <Annotation Term="Core.Computed" Bool="true" />
        </Property>
        <Property Name="origin" Type="Edm.String" />
        <Property Name="owner" Type="Edm.String" />
      </EntityType>
      <EntityType Name="thing" BaseType="microsoft.graph.facet">
        <Property Name="detail" Type="microsoft.graph.detail" />
        <Property Name="items" Type="Collection(graph.detail)" />
      </EntityType>
      <EntityType Name="holder" BaseType="graph.entity">
        <NavigationProperty Name="things" Type="Collection(graph.thing)" ContainsTarget="true" />
        <NavigationProperty Name="friend" Type="graph.holder" />
      </EntityType>
      <Annotations Target="microsoft.graph.facet/origin">
        <Annotation Term="Org.OData.Core.V1.Immutable" Bool="true" />
      </Annotations>
      <Annotations Target="graph.facet/owner">
        <Annotation Term="Core.Permissions">
          <EnumMember>Core.Permission/Read</EnumMember>
        </Annotation>
      </Annotations>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
"""


@pytest.fixture(scope="module")
def metadata():
    return read_csdl(DOC)


def test_inheritance_merges_base_properties_root_first(metadata):
    assert [t.name for t in metadata.lineage("thing")] == ["entity", "facet", "thing"]
    assert list(metadata.properties("thing"))[:2] == ["id", "audiences"]
    assert metadata.key("thing") == ("id",)
    assert metadata.types["facet"].abstract
    assert not metadata.types["thing"].abstract
    assert set(metadata.derived("facet")) == {"thing"}


def test_open_type_is_inherited_and_complex_inheritance_merges(metadata):
    assert metadata.is_open("detail")
    assert not metadata.is_open("thing")
    assert list(metadata.properties("detail")) == ["note", "tags", "level"]


def test_nullability_collections_and_qualified_names(metadata):
    props = metadata.properties("thing")
    assert not props["id"].nullable
    assert props["audiences"].nullable
    assert (props["detail"].type_name, props["detail"].collection) == ("detail", False)
    assert (props["items"].type_name, props["items"].collection) == ("detail", True)
    tags = metadata.properties("detail")["tags"]
    assert (tags.type_name, tags.collection, tags.nullable) == ("Edm.String", True, False)


def test_enums_with_explicit_and_implicit_values(metadata):
    assert metadata.enums["audiences"].is_flags
    assert dict(metadata.enums["audiences"].members) == {"me": 0, "family": 1, "contacts": 2}
    assert dict(metadata.enums["level"].members) == {"low": 0, "high": 1}
    assert not metadata.enums["level"].is_flags


def test_containment_gives_collection_segments_only(metadata):
    assert metadata.containment("holder") == {"things": "thing"}


@pytest.mark.parametrize(
    ("prop", "terms"),
    [
        ("stamp", ("Core.Computed",)),
        ("origin", ("Core.Immutable",)),
        ("owner", ("Core.Permissions=Read",)),
        ("audiences", ()),
    ],
    ids=["inline-computed", "out-of-line-immutable", "permissions-read", "none"],
)
def test_core_read_only_annotations(metadata, prop, terms):
    assert metadata.properties("thing")[prop].read_only_by == terms


def test_access_classes(metadata):
    props = metadata.properties("thing")
    access = {
        name: access_of(p, key=("id",), updatable=("audiences", "detail", "stamp"))
        for name, p in props.items()
    }
    assert access == {
        "id": "key",
        "audiences": "updatable",
        "stamp": "server-managed",
        "origin": "server-managed",
        "owner": "server-managed",
        "detail": "updatable",
        "items": "undocumented",
    }


def test_facts_have_the_types_json_shape(metadata):
    facts = facts_for(metadata, "thing", updatable=("detail",), server_managed=())
    assert facts["entityType"] == "thing"
    assert list(facts["types"]) == ["thing", "detail"]
    assert facts["types"]["thing"]["key"] == "id"
    assert facts["types"]["detail"] == {
        "openType": True,
        "kind": "complex",
        "properties": {
            "note": {"type": "Edm.String", "collection": False, "nullable": True},
            "tags": {"type": "Edm.String", "collection": True, "nullable": False},
            "level": {"type": "level", "collection": False, "nullable": True},
        },
    }
    assert facts["enums"]["audiences"] == {
        "isFlags": True,
        "members": {"me": 0, "family": 1, "contacts": 2},
    }


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"<html><body>hi</body></html>", "root element is 'html'"),
        (b'{"value": []}', "XML error"),
        (
            b'<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0"/>',
            "no edm:Schema",
        ),
    ],
    ids=["html", "json", "empty-edmx"],
)
def test_a_document_that_is_not_csdl_is_one_clear_error(data, says):
    with pytest.raises(ContractDataError, match=says) as caught:
        read_csdl(data, name="answer.xml")
    assert "answer.xml is not a CSDL document" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_missing_file_is_one_clear_error(tmp_path):
    with pytest.raises(ContractDataError, match=r"cannot read metadata .*missing\.xml"):
        read_csdl(tmp_path / "missing.xml")


def test_an_unknown_entity_or_undeclared_type_is_an_error(metadata):
    with pytest.raises(ContractDataError, match="no entity type 'detail'"):
        facts_for(metadata, "detail", updatable=())
    broken = DOC.replace(b'Type="graph.level"', b'Type="graph.missing"')
    with pytest.raises(ContractDataError, match=r"detail\.level has undeclared type 'missing'"):
        facts_for(read_csdl(broken), "thing", updatable=())
