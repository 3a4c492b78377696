Grailbird.data.tweets_2015_12 = 
 [
  {
    "source" : "\u003Ca href=\"http:\/\/twitter.com\/download\/iphone\" rel=\"nofollow\"\u003ETwitter for iPhone\u003C\/a\u003E",
    "entities" : {
      "user_mentions" : [],
      "media" : [
        {
          "expanded_url" : "http:\/\/twitter.com\/cornercoffee\/status\/679000000000000005\/photo\/1",
          "indices" : [
            19,
            42
          ],
          "url" : "https:\/\/t.co\/PhOtO12345",
          "media_url" : "http:\/\/pbs.twimg.com\/media\/CWxYz.jpg",
          "id_str" : "679000000000000099",
          "id" : 679000000000000099,
          "media_url_https" : "https:\/\/pbs.twimg.com\/media\/CWxYz.jpg",
          "sizes" : [
            {
              "h" : 600,
              "resize" : "fit",
              "w" : 600
            }
          ],
          "display_url" : "pic.twitter.com\/PhOtO12345"
        }
      ],
      "hashtags" : [],
      "urls" : []
    },
    "geo" : {},
    "id_str" : "679000000000000005",
    "text" : "Latte art practice https:\/\/t.co\/PhOtO12345",
    "id" : 679000000000000005,
    "created_at" : "2015-12-21 09:15:00 +0000",
    "user" : {
      "name" : "Corner Coffee",
      "screen_name" : "cornercoffee",
      "protected" : false,
      "id_str" : "3300000001",
      "profile_image_url_https" : "https:\/\/pbs.twimg.com\/profile_images\/1\/cup_normal.jpg",
      "id" : 3300000001,
      "verified" : false
    }
  },
  {
    "source" : "\u003Ca href=\"http:\/\/twitter.com\" rel=\"nofollow\"\u003ETwitter Web Client\u003C\/a\u003E",
    "entities" : {
      "user_mentions" : [],
      "media" : [],
      "hashtags" : [],
      "urls" : []
    },
    "geo" : {},
    "id_str" : "678000000000000006",
    "text" : "Holiday hours:\nDec 24 8-2\nDec 25 closed",
    "id" : 678000000000000006,
    "created_at" : "2015-12-19 18:00:00 +0000",
    "user" : {
      "name" : "Corner Coffee",
      "screen_name" : "cornercoffee",
      "protected" : false,
      "id_str" : "3300000001",
      "profile_image_url_https" : "https:\/\/pbs.twimg.com\/profile_images\/1\/cup_normal.jpg",
      "id" : 3300000001,
      "verified" : false
    }
  }
]