// Finance & Operations' SalesOrderHeadersV2 as far as the agent uses it, served by SAP CAP.
// Storage and service are split so the write log's trigger sits on a table the service
// cannot bypass.

type d365.SalesStatus : String(20) enum { Backorder; Delivered; Invoiced; Canceled; };

entity d365.SalesOrderHeaders {
  key dataAreaId                  : String(4);
  key SalesOrderNumber            : String(20);
      SalesOrderName              : String(60);
      SalesOrderStatus            : d365.SalesStatus @assert.range;
      RequestedShippingDate       : Date;
      RequestedReceiptDate        : Date;
      DeliveryModeCode            : String(10);
      CustomerRequisitionNumber   : String(20);
      CustomersOrderReference     : String(20);
      OrderingCustomerAccountNumber : String(20);
      DeliveryAddressName         : String(60);
      // A new UUID on every write: CAP renews a UUID ETag element itself on each UPDATE.
      RowVersion                  : UUID @odata.etag;
      ModifiedBy                  : String(100) @cds.on.insert: $user @cds.on.update: $user;
      ModifiedDateTime            : Timestamp   @cds.on.insert: $now  @cds.on.update: $now;
}

@path: '/data'
@requires: 'authenticated-user'
service Microsoft.Dynamics.DataEntities {
  entity SalesOrderHeadersV2 as projection on d365.SalesOrderHeaders;
}

// Business Central's API v2.0 salesOrders, as far as the agent uses it: companies(<id>)/salesOrders,
// found by $filter on number, written by id.

type d365.BcSalesOrderStatus : String(20) enum { Draft; ![In Review]; Open; Released; };

entity d365.Companies {
  key id          : UUID;
      name        : String(30);
      displayName : String(250);
      salesOrders : Association to many d365.BcSalesOrders on salesOrders.company = $self;
}

entity d365.BcSalesOrders {
  key id                     : UUID;
      number                 : String(20);
      company                : Association to d365.Companies;
      externalDocumentNumber : String(35);
      status                 : d365.BcSalesOrderStatus @assert.range;
      requestedDeliveryDate  : Date;
      shipToName             : String(100);
      shipToContact          : String(100);
      RowVersion             : UUID @odata.etag;
      ModifiedBy             : String(100) @cds.on.insert: $user @cds.on.update: $user;
      lastModifiedDateTime   : Timestamp   @cds.on.insert: $now  @cds.on.update: $now;
}

@path: '/api/v2.0'
@requires: 'authenticated-user'
service Microsoft.NAV {
  entity companies   as projection on d365.Companies;
  entity salesOrders as projection on d365.BcSalesOrders;
}
