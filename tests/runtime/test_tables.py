"""DynamoDB tables of a template are read and created in moto, as CloudFormation would."""

from __future__ import annotations

import textwrap
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from local.runtime import TemplateError
from local.runtime.deploy import Deployer
from local.runtime.template import Resolver, load_template

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Leases:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: activation, AttributeType: S}]
      KeySchema: [{AttributeName: activation, KeyType: HASH}]
      TimeToLiveSpecification: {AttributeName: expiresAt, Enabled: true}
  Named:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${AWS::StackName}-named"
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}, {AttributeName: sk, AttributeType: N}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}, {AttributeName: sk, KeyType: RANGE}]
  Simple:
    Type: AWS::Serverless::SimpleTable
  SimpleNumbered:
    Type: AWS::Serverless::SimpleTable
    Properties:
      PrimaryKey: {Name: counter, Type: Number}
"""


def test_tables_are_read_created_and_resolvable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(var, "testing")
    template = load_template(path)
    assert template.tables["Leases"].ttl_attribute == "expiresAt"
    assert template.tables["Named"].ttl_attribute is None

    with mock_aws():
        resolver = Resolver(template, "us-east-1", "demo")
        client = boto3.client("dynamodb", region_name="us-east-1")
        Deployer(template, resolver, lambda s: boto3.client(s, region_name="us-east-1")).deploy()

        assert resolver.resolve({"Ref": "Leases"}) == "demo-Leases"
        assert resolver.resolve({"Fn::GetAtt": ["Named", "Arn"]}).endswith(":table/demo-named")
        ttl = client.describe_time_to_live(TableName="demo-Leases")["TimeToLiveDescription"]
        assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiresAt"}
        named = client.describe_table(TableName="demo-named")["Table"]
        assert [k["KeyType"] for k in named["KeySchema"]] == ["HASH", "RANGE"]
        simple = client.describe_table(TableName="demo-Simple")["Table"]
        assert simple["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
        numbered = client.describe_table(TableName="demo-SimpleNumbered")["Table"]
        assert numbered["AttributeDefinitions"] == [
            {"AttributeName": "counter", "AttributeType": "N"}
        ]


def test_a_table_without_a_key_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            Resources:
              Broken:
                Type: AWS::DynamoDB::Table
                Properties: {BillingMode: PAY_PER_REQUEST}
            """
        ),
        encoding="utf-8",
    )
    with pytest.raises(TemplateError, match="Broken: a table needs KeySchema"):
        load_template(path)
