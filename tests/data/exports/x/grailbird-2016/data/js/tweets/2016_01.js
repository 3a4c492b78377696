Grailbird.data.tweets_2016_01 = 
 [
  {
    "source" : "\u003Ca href=\"http:\/\/twitter.com\" rel=\"nofollow\"\u003ETwitter Web Client\u003C\/a\u003E",
    "entities" : {
      "user_mentions" : [],
      "media" : [],
      "hashtags" : [
        {
          "text" : "coffee",
          "indices" : [
            0,
            1
          ]
        }
      ],
      "urls" : [
        {
          "indices" : [
            0,
            1
          ],
          "url" : "https:\/\/t.co\/AbCdEf1234",
          "expanded_url" : "https:\/\/cornercoffee.example\/beans",
          "display_url" : "cornercoffee.example\/beans"
        }
      ]
    },
    "geo" : {},
    "id_str" : "690000000000000001",
    "text" : "New beans from Huila &amp; Nari\u00f1o #coffee https:\/\/t.co\/AbCdEf1234",
    "id" : 690000000000000001,
    "created_at" : "2016-01-21 08:00:00 +0000",
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
    "source" : "\u003Ca href=\"http:\/\/twitter.com\/download\/iphone\" rel=\"nofollow\"\u003ETwitter for iPhone\u003C\/a\u003E",
    "entities" : {
      "user_mentions" : [
        {
          "name" : "Latte Art",
          "screen_name" : "latteart",
          "indices" : [
            0,
            9
          ],
          "id_str" : "1234567",
          "id" : 1234567
        }
      ],
      "media" : [],
      "hashtags" : [],
      "urls" : []
    },
    "geo" : {},
    "in_reply_to_status_id_str" : "688999999999999999",
    "id_str" : "689000000000000002",
    "in_reply_to_user_id" : 1234567,
    "text" : "@latteart thanks! Come by for a flat white",
    "id" : 689000000000000002,
    "in_reply_to_status_id" : 688999999999999999,
    "created_at" : "2016-01-18 16:30:00 +0000",
    "in_reply_to_screen_name" : "latteart",
    "in_reply_to_user_id_str" : "1234567",
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
    "source" : "\u003Ca href=\"http:\/\/twitter.com\/download\/iphone\" rel=\"nofollow\"\u003ETwitter for iPhone\u003C\/a\u003E",
    "entities" : {
      "user_mentions" : [
        {
          "name" : "Roaster Co",
          "screen_name" : "roasterco",
          "indices" : [
            3,
            13
          ],
          "id_str" : "55555",
          "id" : 55555
        }
      ],
      "media" : [],
      "hashtags" : [],
      "urls" : []
    },
    "geo" : {},
    "id_str" : "688000000000000003",
    "text" : "RT @roasterco: We roast on Tuesdays. Fresh bags on Wednesday mornings \u2026",
    "retweeted_status" : {
      "source" : "\u003Ca href=\"http:\/\/twitter.com\" rel=\"nofollow\"\u003ETwitter Web Client\u003C\/a\u003E",
      "entities" : {
        "user_mentions" : [],
        "media" : [],
        "hashtags" : [],
        "urls" : []
      },
      "geo" : {},
      "id_str" : "687900000000000004",
      "text" : "We roast on Tuesdays. Fresh bags on Wednesday mornings, while they last.",
      "id" : 687900000000000004,
      "created_at" : "2016-01-15 09:40:00 +0000",
      "user" : {
        "name" : "Roaster Co",
        "screen_name" : "roasterco",
        "protected" : false,
        "id_str" : "55555",
        "profile_image_url_https" : "https:\/\/pbs.twimg.com\/profile_images\/2\/r_normal.jpg",
        "id" : 55555,
        "verified" : false
      }
    },
    "id" : 688000000000000003,
    "created_at" : "2016-01-15 10:00:00 +0000",
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