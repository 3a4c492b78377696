var payload_details =  {
  "tweets" : 7,
  "created_at" : "2016-02-01 02:29:19 +0000",
  "lang" : "en"
}