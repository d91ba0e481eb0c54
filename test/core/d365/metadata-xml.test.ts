/**
 * Reading an entity out of CSDL `$metadata`: the simulator's three flavours over real HTTP, the
 * shapes real services use (aliases, base types, annotations elsewhere in the document, type
 * definitions, flags), broken and hostile documents, and a document as big as F&O's.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isD365Error } from '../../../core/d365/errors.ts';
import { PROFILES } from '../../../core/d365/profile.ts';
import { MetadataError, decodeName, parseMetadata } from '../../../core/d365/metadata-xml.ts';
import type { EdmProperty, EntityModel } from '../../../core/d365/edm.ts';
import { buildRig, type Rig } from '../engine/harness.ts';

let rig: Rig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

const prop = (m: EntityModel, name: string): EdmProperty | undefined => m.properties.find((p) => p.name === name);

describe('the simulator’s $metadata, read over HTTP by the client', () => {
  it('F&O: SalesOrderHeaderV2 with its keys, lengths, the SalesStatus enum and decimal facets', async () => {
    rig = await buildRig({ profile: PROFILES.fo });
    const m = await rig.client.entityModel();
    expect(m).toMatchObject({ entitySet: 'SalesOrderHeadersV2', entityType: 'Microsoft.Dynamics.DataEntities.SalesOrderHeaderV2' });
    expect(prop(m, 'dataAreaId')).toEqual({ name: 'dataAreaId', type: 'Edm.String', maxLength: 4, nullable: false, key: true });
    expect(prop(m, 'SalesOrderNumber')?.key).toBe(true);
    expect(prop(m, 'SalesOrderStatus')).toEqual({
      name: 'SalesOrderStatus',
      type: 'Microsoft.Dynamics.DataEntities.SalesStatus',
      members: ['Backorder', 'Delivered', 'Invoiced', 'Canceled'],
      nullable: false,
    });
    expect(prop(m, 'RequestedShippingDate')).toEqual({ name: 'RequestedShippingDate', type: 'Edm.DateTimeOffset', nullable: false });
    expect(prop(m, 'DeliveryModeCode')).toMatchObject({ type: 'Edm.String', maxLength: 10 });
    expect(prop(m, 'TotalDiscountPercentage')).toMatchObject({ type: 'Edm.Decimal', precision: 5, scale: 2 });
  });

  it('Business Central: salesOrder with Edm.Date, Edm.Guid and the status enum, "In Review" read back from In_x0020_Review', async () => {
    rig = await buildRig({ profile: PROFILES.bc });
    const m = await rig.client.entityModel();
    expect(m.entityType).toBe('Microsoft.NAV.salesOrder');
    expect(prop(m, 'requestedDeliveryDate')?.type).toBe('Edm.Date');
    expect(prop(m, 'shipmentMethodId')?.type).toBe('Edm.Guid');
    expect(prop(m, 'status')).toMatchObject({ type: 'Microsoft.NAV.salesOrderStatus', members: ['Draft', 'In Review', 'Open', 'Released'] });
    expect(prop(m, 'id')?.key).toBe(true);
  });

  it('Dataverse: option sets are Edm.Int32 without members; two-option fields Edm.Boolean; decimals of variable scale', async () => {
    rig = await buildRig({ profile: PROFILES.dataverse });
    const m = await rig.client.entityModel();
    expect(m.entityType).toBe('Microsoft.Dynamics.CRM.salesorder');
    expect(prop(m, 'statecode')).toEqual({ name: 'statecode', type: 'Edm.Int32', nullable: false });
    expect(prop(m, 'shippingmethodcode')?.members).toBeUndefined();
    expect(prop(m, 'willcall')?.type).toBe('Edm.Boolean');
    expect(prop(m, 'discountpercentage')).toEqual({ name: 'discountpercentage', type: 'Edm.Decimal', nullable: false });
    expect(prop(m, 'requestdeliveryby')?.type).toBe('Edm.Date');
  });
});

/** Shapes seen in real services: Dataverse's alias and abstract base type, SAP CAP's container first and annotations apart. */
const REAL_SHAPES = `<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:Reference Uri="https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Validation.V1.xml">
    <edmx:Include Alias="Validation" Namespace="Org.OData.Validation.V1"/>
  </edmx:Reference>
  <edmx:Reference Uri="https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Core.V1.xml">
    <edmx:Include Alias="Core" Namespace="Org.OData.Core.V1"/>
  </edmx:Reference>
  <edmx:DataServices>
    <Schema Namespace="Contoso.Sales" Alias="cs" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityContainer Name="Container">
        <EntitySet Name="Other" EntityType="cs.order"/>
        <EntitySet Name="orders" EntityType="cs.order">
          <NavigationPropertyBinding Path="lines" Target="lines"/>
        </EntitySet>
      </EntityContainer>
      <EntityType Name="order" BaseType="base.record">
        <Property Name="status" Type="Edm.String" MaxLength="20"/>
        <Property Name="priority" Type="cs.Priority" Nullable="false"/>
        <Property Name="options" Type="cs.Options"/>
        <Property Name="reference" Type="cs.Reference"/>
        <Property Name="quantity" Type="Edm.Int64"/>
        <Property Name="amount" Type="Edm.Decimal" Precision="18" Scale="variable"/>
        <Property Name="notes" Type="Edm.String" MaxLength="max"/>
        <Property Name="tags" Type="Collection(Edm.String)"/>
        <Property Name="changedAt" Type="Edm.DateTimeOffset" Precision="7">
          <Annotation Term="Core.Computed" Bool="true"/>
        </Property>
        <NavigationProperty Name="lines" Type="Collection(cs.line)"/>
      </EntityType>
      <EntityType Name="elsewhere">
        <Property Name="status" Type="Edm.Int32"/>
      </EntityType>
      <EnumType Name="Priority">
        <Member Name="Low" Value="0"/>
        <Member Name="High" Value="1"/>
      </EnumType>
      <EnumType Name="Options" IsFlags="true">
        <Member Name="Gift_x0020_wrap" Value="1"/>
        <Member Name="Express" Value="2"/>
      </EnumType>
      <TypeDefinition Name="Reference" UnderlyingType="Edm.String" MaxLength="12"/>
      <Annotations Target="cs.order/status">
        <Annotation Term="Validation.AllowedValues">
          <Collection>
            <Record><Annotation Term="Core.SymbolicName" String="Open"/><PropertyValue Property="Value" String="Open"/></Record>
            <Record><PropertyValue Property="Value"><String>Closed</String></PropertyValue></Record>
          </Collection>
        </Annotation>
      </Annotations>
      <Annotations Target="cs.elsewhere/status">
        <Annotation Term="Validation.AllowedValues"><Collection><Record><PropertyValue Property="Value" String="x"/></Record></Collection></Annotation>
      </Annotations>
    </Schema>
    <Schema Namespace="Contoso.Base" Alias="base" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="record" Abstract="true">
        <Key><PropertyRef Name="id"/></Key>
        <Property Name="id" Type="Edm.Guid"/>
      </EntityType>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>`;

describe('CSDL as real services write it', () => {
  it('follows aliases and the base type, applies annotations found elsewhere, resolves enums, flags and type definitions', async () => {
    const m = await parseMetadata(REAL_SHAPES, 'orders');
    expect(m.entityType).toBe('Contoso.Sales.order');
    expect(m.properties.map((p) => p.name)).toEqual(['id', 'status', 'priority', 'options', 'reference', 'quantity', 'amount', 'notes', 'tags', 'changedAt']);
    expect(prop(m, 'id')).toEqual({ name: 'id', type: 'Edm.Guid', nullable: false, key: true });
    expect(prop(m, 'status')).toEqual({ name: 'status', type: 'Edm.String', maxLength: 20, nullable: true, members: ['Open', 'Closed'] });
    expect(prop(m, 'priority')).toEqual({ name: 'priority', type: 'Contoso.Sales.Priority', nullable: false, members: ['Low', 'High'] });
    expect(prop(m, 'options')).toMatchObject({ members: ['Gift wrap', 'Express'], flags: true });
    expect(prop(m, 'reference')).toEqual({ name: 'reference', type: 'Edm.String', maxLength: 12, nullable: true });
    expect(prop(m, 'quantity')?.type).toBe('Edm.Int64');
    expect(prop(m, 'amount')).toEqual({ name: 'amount', type: 'Edm.Decimal', precision: 18, nullable: true });
    expect(prop(m, 'notes')?.maxLength).toBeUndefined();
    expect(prop(m, 'tags')?.type).toBe('Collection(Edm.String)');
    expect(prop(m, 'changedAt')?.computed).toBe(true);
  });

  it('decodes XmlConvert escapes in member names and leaves anything else alone', () => {
    expect(decodeName('In_x0020_Review')).toBe('In Review');
    expect(decodeName('G_x002F_L_x0020_Account')).toBe('G/L Account');
    expect(decodeName('_x0020_')).toBe(' ');
    expect(decodeName('Plain_name')).toBe('Plain_name');
    expect(decodeName('_xD800_')).toBe('_xD800_');
  });

  it('refuses what is not usable, saying why', async () => {
    const refusal = async (xml: string, set = 'orders') => {
      const e = await parseMetadata(xml, set).then(
        () => null,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(MetadataError);
      return (e as Error).message;
    };
    expect(await refusal(REAL_SHAPES, 'invoices')).toBe('$metadata has no entity set invoices');
    expect(await refusal(REAL_SHAPES.replace('</EntityType>', ''))).toMatch(/^\$metadata is not well-formed XML \(.*\d+:\d+/);
    expect(await refusal('<html><body>Sign in</body></html>')).toMatch(/no OData v4 CSDL schema/);
    expect(await refusal(REAL_SHAPES.replace('<EntityType Name="order" BaseType="base.record">', '<EntityType Name="renamed" BaseType="base.record">'))).toMatch(
      /entity set orders holds cs.order, but declares no such entity type/,
    );
  });

  it('expands no entities and reads no DTD: a billion-laughs or external-entity document is refused', async () => {
    const laughs = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
      <edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>
      <Schema Namespace="N" xmlns="http://docs.oasis-open.org/odata/ns/edm"><EntityType Name="T"><Property Name="p" Type="Edm.String"/></EntityType>
      <EntityContainer Name="C"><EntitySet Name="orders&b;" EntityType="N.T"/></EntityContainer></Schema></edmx:DataServices></edmx:Edmx>`;
    await expect(parseMetadata(laughs, 'orders')).rejects.toThrow(/not well-formed XML/);
    const external = laughs.replace(/<!DOCTYPE[^\]]*\]>/, '<!DOCTYPE x [<!ENTITY b SYSTEM "file:///etc/passwd">]>');
    await expect(parseMetadata(external, 'orders')).rejects.toThrow(/not well-formed XML/);
  });
});

describe('a document as large as a real F&O environment’s', () => {
  it('keeps only the entity asked for and lets other work run while it reads', async () => {
    const types: string[] = [];
    const sets: string[] = [];
    for (let i = 0; i < 4000; i++) {
      const props = Array.from({ length: 40 }, (_, j) => `<Property Name="Field${j}" Type="Edm.String" MaxLength="60" Nullable="false"/>`).join('');
      types.push(`<EntityType Name="Entity${i}"><Key><PropertyRef Name="Field0"/></Key>${props}</EntityType>`);
      sets.push(`<EntitySet Name="Entities${i}" EntityType="Microsoft.Dynamics.DataEntities.Entity${i}"/>`);
    }
    const xml = `<?xml version="1.0" encoding="utf-8"?><edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>
      <Schema Namespace="Microsoft.Dynamics.DataEntities" xmlns="http://docs.oasis-open.org/odata/ns/edm">${types.join('\n')}
      <EntityContainer Name="Resources">${sets.join('\n')}</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>`;
    expect(xml.length).toBeGreaterThan(10_000_000);
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const m = await parseMetadata(xml, 'Entities3999');
    ticking = false;
    expect(m.entityType).toBe('Microsoft.Dynamics.DataEntities.Entity3999');
    expect(m.properties).toHaveLength(40);
    expect(prop(m, 'Field0')?.key).toBe(true);
    // the event loop was given back between chunks: other work ran during the passes
    expect(turns).toBeGreaterThan(10);
  });

  it('a $metadata answer that is not CSDL is a BAD_RESPONSE from the client, naming the request', async () => {
    rig = await buildRig({ profile: PROFILES.fo });
    // a proxy's sign-in page answered 200 in place of the service
    rig.sim.script({ method: 'GET', pathIncludes: '$metadata', kind: 'status', status: 200, contentType: 'text/html', body: '<html><body>Sign in</body></html>' });
    const e = await rig.client.entityModel().catch((x: unknown) => x);
    expect(isD365Error(e) && e.code).toBe('BAD_RESPONSE');
    expect((e as Error).message).toBe('GET $metadata: $metadata holds no OData v4 CSDL schema (is this an OData v4 service root?)');
  });
});
